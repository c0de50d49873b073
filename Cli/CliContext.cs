using System.CommandLine;

namespace ClusterKit.Cli;

/// <summary>Global options every command shares, and the connection they describe.</summary>
internal static class CliContext
{
    public static Option<string?> WorkerSocket { get; } = new("--worker-socket")
    {
        Description = $"The worker's control socket (default $CK_WORKER_SOCKET or {WorkerConnection.DefaultSocket})",
        Recursive = true,
    };

    public static WorkerConnection Connect(ParseResult result) =>
        new(WorkerConnection.ResolveSocket(result.GetValue(WorkerSocket)));
}
