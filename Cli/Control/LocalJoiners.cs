using ClusterKit.Proto.Manager.V1;
using ClusterKit.Proto.Worker.V1;

namespace ClusterKit.Cli.Control;

/// <summary>This host's ck-manager (local socket) and ck-worker (worker socket), which carry out a join.</summary>
internal sealed class LocalJoiners(string managerSocket, string workerSocket) : ILocalJoiners
{
    public string WorkerTarget => workerSocket;

    public async Task<JoinResponse> JoinManagerAsync(JoinRequest request, CancellationToken cancellationToken)
    {
        using var manager = ManagerConnection.ForSocket(managerSocket);
        // A manager join waits for Raft to catch this manager up; ck-manager bounds that itself.
        return await manager.CallAsync(options => manager.Cluster.JoinAsync(request, options), cancellationToken, Timeout.InfiniteTimeSpan);
    }

    public async Task<JoinClusterResponse> JoinWorkerAsync(JoinClusterRequest request, CancellationToken cancellationToken)
    {
        using var worker = new WorkerConnection(workerSocket);
        return await worker.Cluster.JoinAsync(request, cancellationToken: cancellationToken);
    }
}
