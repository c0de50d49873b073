using ClusterKit.Manager.Store.Raft;

namespace ClusterKit.Manager.Host;

/// <summary>Starts this manager's Raft member with the host and stops it after the API has stopped.</summary>
internal sealed partial class ManagerNodeService(
    ManagerOptions options,
    ILoggerFactory loggers,
    IHostApplicationLifetime lifetime,
    ILogger<ManagerNodeService> logger) : IHostedService, IAsyncDisposable
{
    private RaftNode? _node;

    public RaftNode Node => _node ?? throw new InvalidOperationException("the manager's raft member has not started yet");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(options.DataDirectory);
        _node = await RaftNode.StartAsync(options.ToRaftOptions(), loggers, TimeProvider.System, OnStuck, cancellationToken);
        LogServing(logger, options.NodeId, options.ApiAddress, options.RaftEndPoint.ToString(), options.DataDirectory);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }
    }

    private void OnStuck(string reason)
    {
        // A supervisor (systemd, the test harness) starts the process again: a fresh process
        // reopens the WAL and fetches what it misses, which heals both known DotNext faults.
        Environment.ExitCode = ManagerExitCodes.StuckFollower;
        lifetime.StopApplication();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Manager {NodeId} serves the store API on {Api}, raft on {Raft}, data in {DataDir}")]
    private static partial void LogServing(ILogger logger, string nodeId, string api, string raft, string dataDir);
}

public static class ManagerExitCodes
{
    public const int BadOptions = 2;
    public const int StartFailed = 3;

    /// <summary>The follower watchdog found this manager stuck: restart it.</summary>
    public const int StuckFollower = 75;
}
