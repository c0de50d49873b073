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
        return await manager.CallAsync(ct => manager.Cluster.JoinAsync(request, cancellationToken: ct), cancellationToken);
    }

    public async Task<JoinClusterResponse> JoinWorkerAsync(JoinClusterRequest request, CancellationToken cancellationToken)
    {
        using var worker = new WorkerConnection(workerSocket);
        return await worker.Cluster.JoinAsync(request, cancellationToken: cancellationToken);
    }
}
