using ClusterKit.Manager.Store.Raft;
using ClusterKit.Shared.Identity;

namespace ClusterKit.Manager.Host.Membership;

/// <summary>Starts this manager's Raft member (with a fixed member list, or with its cluster certificates) and puts it in the slot.</summary>
internal sealed partial class RaftMemberStarter(
    ManagerOptions options,
    ManagerTlsSlot tlsSlot,
    RaftMemberSlot member,
    DataKeyring keys,
    TimeProvider time,
    ILoggerFactory loggers,
    IHostApplicationLifetime lifetime,
    ILogger<RaftMemberStarter> logger)
{
    /// <summary>--peers or --cold-start: no certificates.</summary>
    public async Task StartFixedAsync(CancellationToken token)
    {
        member.Install(await RaftNode.StartAsync(options.ToRaftOptions(), loggers, time, OnStuck, token));
        LogServing(logger, options.NodeId ?? "?", options.ApiAddress, options.RaftEndPoint.ToString(), options.DataDirectory);
    }

    /// <summary>A member of a cluster: mutual TLS with <paramref name="credentials"/>, trust from the store once it has the cluster object.</summary>
    /// <param name="joining">True when the manager joins a cluster now (not at a restart of a member).</param>
    public async Task StartAsync(NodeCredentials credentials, CertificateFiles files, RaftBootstrap bootstrap, CancellationToken token, bool joining = false)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        var tls = new ManagerTls(credentials, files, StoreTrust, time, refused => LogRefused(logger, refused.Reason ?? "?"));
        tlsSlot.Current = tls;
        var raftOptions = options.ToRaftOptions(credentials.Identity.NodeId, bootstrap, tls, joining);
        member.Install(await RaftNode.StartAsync(raftOptions, loggers, time, OnStuck, token));
        LogServing(logger, credentials.Identity.NodeId, options.ApiAddress, options.RaftEndPoint.ToString(), options.DataDirectory);
    }

    private TrustBundle? StoreTrust()
    {
        var stored = member.CurrentCluster();
        return stored is null ? null : ClusterAuthority.FromStore(stored, keys).Trust;
    }

    private void OnStuck(string reason)
    {
        // A supervisor (systemd, the test harness) starts the process again: a fresh process
        // reopens the WAL and fetches what it misses, which heals both known DotNext faults.
        Environment.ExitCode = ManagerExitCodes.StuckFollower;
        lifetime.StopApplication();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Manager {NodeId} serves the API on {Api}, raft on {Raft}, data in {DataDir}")]
    private static partial void LogServing(ILogger logger, string nodeId, string api, string raft, string dataDir);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TLS peer refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);
}
