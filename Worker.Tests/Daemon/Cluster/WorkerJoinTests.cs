using ClusterKit.Proto.Manager.V1;
using ClusterKit.Proto.Worker.V1;
using ClusterKit.Shared.Net;
using ClusterKit.TestKit;
using Grpc.Core;
using Grpc.Net.Client;

namespace ClusterKit.Worker.Tests.Cluster;

/// <summary>A real ck-worker joins a real ck-manager (started without --peers) with the worker token over mutual TLS.</summary>
public sealed class WorkerJoinTests
{
    private const int HeartbeatMs = 300;

    [Fact]
    public async Task JoinedWorkerIsReadyReconnectsAfterRestartAndGoesDownWhenKilled()
    {
        var worker = await WorkerProcess.StartAsync();
        try
        {
            var (manager, init) = await JoinedManager.StartInitialisedAsync(worker.Tag, HeartbeatMs);
            await using (manager)
            {
                using var channel = WorkerSocketChannel(worker.Socket);
                var cluster = new Proto.Worker.V1.Cluster.ClusterClient(channel);

                // A wrong secret with the right CA digest: the manager's refusal comes back.
                var wrong = init.WorkerToken[..^4] + (init.WorkerToken.EndsWith("aaaa", StringComparison.Ordinal) ? "bbbb" : "aaaa");
                var refused = await Assert.ThrowsAsync<RpcException>(() => cluster.JoinAsync(new JoinClusterRequest { Token = wrong, RemoteAddress = JoinedManager.ApiAddress }).ResponseAsync);
                Assert.Contains("refused the join", refused.Status.Detail, StringComparison.Ordinal);

                // A manager token: told where to use it.
                var managerToken = await Assert.ThrowsAsync<RpcException>(() => cluster.JoinAsync(new JoinClusterRequest { Token = init.ManagerToken, RemoteAddress = JoinedManager.ApiAddress }).ResponseAsync);
                Assert.Equal(StatusCode.FailedPrecondition, managerToken.StatusCode);
                Assert.Contains("manager token", managerToken.Status.Detail, StringComparison.Ordinal);

                var joined = await cluster.JoinAsync(new JoinClusterRequest { Token = init.WorkerToken, RemoteAddress = JoinedManager.ApiAddress });
                Assert.Equal(init.ClusterId, joined.ClusterId);
                Assert.True(File.Exists(Path.Combine(worker.DataRoot, "identity", "node.pem")));
                await WaitForStateAsync(manager, joined.NodeId, NodeState.Ready, TimeSpan.FromSeconds(30));

                var twice = await Assert.ThrowsAsync<RpcException>(() => cluster.JoinAsync(new JoinClusterRequest { Token = init.WorkerToken, RemoteAddress = JoinedManager.ApiAddress }).ResponseAsync);
                Assert.Equal(StatusCode.AlreadyExists, twice.StatusCode);
                Assert.Contains(joined.NodeId, twice.Status.Detail, StringComparison.Ordinal);
                Assert.Contains(joined.ClusterId, twice.Status.Detail, StringComparison.Ordinal);

                // Restart: the identity on disk starts the TLS session by itself.
                var restarted = await worker.RestartAsync();
                worker.Dispose();
                worker = restarted;
                using var again = WorkerSocketChannel(worker.Socket);
                var status = await WaitForConnectedAsync(new Proto.Worker.V1.Cluster.ClusterClient(again), TimeSpan.FromSeconds(30));
                Assert.Equal(joined.NodeId, status.NodeId);
                await WaitForStateAsync(manager, joined.NodeId, NodeState.Ready, TimeSpan.FromSeconds(30));

                // A CA rotation: the worker sees the new root and renews first, the manager moves last,
                // the old root is dropped, and the node never loses its session.
                var clusterApi = new ClusterService.ClusterServiceClient(manager.Local);
                var oldRoot = Assert.Single((await clusterApi.InspectAsync(new InspectClusterRequest())).RootDigests);
                await clusterApi.RotateCaAsync(new RotateCaRequest());
                var until = DateTime.UtcNow.AddSeconds(60);
                ClusterInfo info;
                do
                {
                    await Task.Delay(500);
                    info = await clusterApi.InspectAsync(new InspectClusterRequest());
                }
                while (info.RootDigests.Count != 1 && DateTime.UtcNow < until);
                Assert.True(info.RootDigests.Count == 1 && info.RootDigests[0] != oldRoot, $"the rotation did not finish within 60 s: {info.CaRotationPhase}\n{manager.RecentOutput()}");
                await WaitForStateAsync(manager, joined.NodeId, NodeState.Ready, TimeSpan.FromSeconds(30));
                Assert.Equal(joined.NodeId, (await WaitForConnectedAsync(new Proto.Worker.V1.Cluster.ClusterClient(again), TimeSpan.FromSeconds(30))).NodeId);

                // Killed: down after 3 heartbeat periods (plus the leader's check interval and slack for a loaded machine).
                worker.KillProcess();
                await WaitForStateAsync(manager, joined.NodeId, NodeState.Down, TimeSpan.FromMilliseconds(HeartbeatMs * 3) + TimeSpan.FromSeconds(10));
            }
        }
        finally
        {
            worker.Dispose();
        }
    }

    private static GrpcChannel WorkerSocketChannel(string socketPath) => UnixSocket.Channel(socketPath, "http://worker");

    private static async Task<ClusterStatusResponse> WaitForConnectedAsync(Proto.Worker.V1.Cluster.ClusterClient cluster, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = await cluster.StatusAsync(new ClusterStatusRequest());
            if (status.Joined && status.Connected)
            {
                return status;
            }

            Assert.True(DateTime.UtcNow < until, $"the restarted worker did not reconnect within {timeout.TotalSeconds} s: {status}");
            await Task.Delay(100);
        }
    }

    private static async Task WaitForStateAsync(JoinedManager manager, string nodeId, NodeState state, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var nodes = await manager.Nodes.ListAsync(new ListNodesRequest());
            var node = nodes.Nodes.FirstOrDefault(n => n.Node.Id == nodeId);
            if (node?.Node.Status?.State == state)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < until, $"node {nodeId} is {node?.Node.Status?.State.ToString() ?? "absent"}, not {state}, after {timeout.TotalSeconds} s\n{manager.RecentOutput()}");
            await Task.Delay(100);
        }
    }
}
