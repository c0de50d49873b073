using ClusterKit.Manager.Tests.Store.Raft;
using ClusterKit.TestKit;
using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;
using Grpc.Core;
using Task = System.Threading.Tasks.Task;

namespace ClusterKit.Manager.Tests.Host.Membership;

/// <summary>
/// Real ck-manager processes with a cluster identity: init, joins with tokens, mutual TLS,
/// membership changes and their guards, quorum loss and recovery.
/// </summary>
[Collection(RaftClusterCollection.Name)]
public sealed class SecureClusterTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Init_and_two_joins_make_three_managers_over_mutual_TLS()
    {
        await using var managers = SecureManagers.Create(3);
        await ExplainAsync(managers, async () =>
        {
            var init = await managers.FormAsync();
            Assert.StartsWith("CKTKN-", init.WorkerToken, StringComparison.Ordinal);
            Assert.NotEqual(init.WorkerToken, init.ManagerToken);

            // An operator with the admin certificate from init, over TLS, on any manager.
            using var admin = SecureManager.TlsChannel(managers[2].Api, SecureManager.AdminCredentials(init));
            var list = await WaitForAsync(
                () => new NodeService.NodeServiceClient(admin).ListAsync(new ListNodesRequest()).ResponseAsync,
                l => l.HasQuorum && l.Nodes.Count(n => n.Reachability is ManagerReachability.Leader or ManagerReachability.Reachable) == 3,
                managers);
            Assert.Equal(3, list.Nodes.Count);
            Assert.Single(list.Nodes, n => n.Reachability == ManagerReachability.Leader);
            Assert.All(list.Nodes, n => Assert.Equal(NodeRole.Manager, n.Node.Role));

            // A write on a follower commits and every manager sees it.
            var version = (await managers[1].LocalStore.ProposeAsync(new ProposeRequest { Transaction = Put("k", "v") }, deadline: DateTime.UtcNow + Wait)).Version;
            foreach (var m in managers.Managers)
            {
                var got = await m.LocalStore.GetAsync(new GetRequest { Table = Table.Kv, Id = "k" }, deadline: DateTime.UtcNow + Wait);
                Assert.True(got.StoreVersion >= version);
                Assert.Equal("v", got.Object.Kv.Value.ToStringUtf8());
            }

            var info = await new ClusterService.ClusterServiceClient(admin).InspectAsync(new InspectClusterRequest());
            Assert.Equal(init.ClusterId, info.ClusterId);
            Assert.Equal(3, info.Managers);
            Assert.True(info.HasQuorum);

            // All three restarted: same cluster, same members, the write kept.
            foreach (var m in managers.Managers)
            {
                await m.StopAsync();
            }

            await managers.StartAllAsync();
            var again = await WaitForAsync(
                () => managers[0].LocalNodes.ListAsync(new ListNodesRequest()).ResponseAsync,
                l => l.HasQuorum && l.Nodes.Count(n => n.Reachability is ManagerReachability.Leader or ManagerReachability.Reachable) == 3,
                managers);
            Assert.Equal(list.Nodes.Select(n => n.Node.Id).Order(), again.Nodes.Select(n => n.Node.Id).Order());
            var kept = await WaitForAsync(
                () => managers[2].LocalStore.GetAsync(new GetRequest { Table = Table.Kv, Id = "k" }, deadline: DateTime.UtcNow.AddSeconds(5)).ResponseAsync,
                _ => true,
                managers);
            Assert.Equal("v", kept.Object.Kv.Value.ToStringUtf8());
        });
    }

    [Fact]
    public async Task Bad_tokens_and_foreign_certificates_are_refused_with_the_reason()
    {
        await using var managers = SecureManagers.Create(3);
        await ExplainAsync(managers, async () =>
        {
            await managers.StartAllAsync();
            var init = await managers[0].LocalCluster.InitAsync(new InitRequest(), deadline: DateTime.UtcNow + Wait);
            var other = await managers[2].LocalCluster.InitAsync(new InitRequest(), deadline: DateTime.UtcNow + Wait);
            var joiner = managers[1].LocalCluster;
            var remote = managers[0].Api.ToString();

            var malformed = await Assert.ThrowsAsync<RpcException>(() => joiner.JoinAsync(new JoinRequest { Token = "SWMTKN-1-abc", RemoteAddress = remote }).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
            Assert.StartsWith("--token:", malformed.Status.Detail, StringComparison.Ordinal);

            var foreign = await Assert.ThrowsAsync<RpcException>(() => joiner.JoinAsync(new JoinRequest { Token = other.ManagerToken, RemoteAddress = remote }).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, foreign.StatusCode);
            Assert.Contains("not of the cluster this token is for", foreign.Status.Detail, StringComparison.Ordinal);

            var workerToken = await Assert.ThrowsAsync<RpcException>(() => joiner.JoinAsync(new JoinRequest { Token = init.WorkerToken, RemoteAddress = remote }).ResponseAsync);
            Assert.Equal(StatusCode.FailedPrecondition, workerToken.StatusCode);
            Assert.Contains("worker token", workerToken.Status.Detail, StringComparison.Ordinal);

            // Rotating the manager token: the old one is refused as rotated, the new one works.
            using var admin = SecureManager.TlsChannel(managers[0].Api, SecureManager.AdminCredentials(init));
            var rotated = await new ClusterService.ClusterServiceClient(admin).GetJoinTokenAsync(new GetJoinTokenRequest { Role = NodeRole.Manager, Rotate = true });
            Assert.NotEqual(init.ManagerToken, rotated.Token);
            var old = await Assert.ThrowsAsync<RpcException>(() => joiner.JoinAsync(new JoinRequest { Token = init.ManagerToken, RemoteAddress = remote }).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, old.StatusCode);
            Assert.Contains("rotated", old.Status.Detail, StringComparison.Ordinal);
            await joiner.JoinAsync(new JoinRequest { Token = rotated.Token, RemoteAddress = remote }, deadline: DateTime.UtcNow.AddSeconds(120));

            // A second init or join on a member is refused, naming the cluster.
            var again = await Assert.ThrowsAsync<RpcException>(() => joiner.InitAsync(new InitRequest()).ResponseAsync);
            Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);
            Assert.Contains(init.ClusterId, again.Status.Detail, StringComparison.Ordinal);

            // The other cluster's admin certificate does not pass this cluster's TLS, even from a
            // client that accepts the manager's certificate: the manager refuses it and says why.
            using var stranger = SecureManager.UncheckedTlsChannel(managers[0].Api, SecureManager.AdminCredentials(other).Certificate);
            var refused = await Assert.ThrowsAsync<RpcException>(() => new NodeService.NodeServiceClient(stranger).ListAsync(new ListNodesRequest(), deadline: DateTime.UtcNow + Wait).ResponseAsync);
            Assert.NotEqual(StatusCode.OK, refused.StatusCode);
            await WaitForAsync(() => Task.FromResult(managers[0].RecentOutput(400)), o => o.Contains("was issued by another CA", StringComparison.Ordinal), managers);

            // Without a certificate only the join methods answer.
            using var anonymous = SecureManager.AnonymousChannel(managers[0].Api, SecureManager.AdminCredentials(init).Trust, init.ClusterId);
            var denied = await Assert.ThrowsAsync<RpcException>(() => new NodeService.NodeServiceClient(anonymous).ListAsync(new ListNodesRequest()).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, denied.StatusCode);
            Assert.Contains("may not call it", denied.Status.Detail, StringComparison.Ordinal);
            var roots = await new NodeCa.NodeCaClient(anonymous).GetRootCertificatesAsync(new GetRootCertificatesRequest());
            Assert.Single(roots.RootCertificatesPem);
        });
    }

    [Fact]
    public async Task Demote_and_remove_keep_a_majority_and_never_the_last_manager()
    {
        await using var managers = SecureManagers.Create(3);
        await ExplainAsync(managers, async () =>
        {
            var init = await managers.FormAsync();
            var nodes = managers[0].LocalNodes;
            var list = await WaitForAsync(
                () => nodes.ListAsync(new ListNodesRequest()).ResponseAsync,
                l => l.HasQuorum && l.Nodes.Count(n => n.Reachability is ManagerReachability.Leader or ManagerReachability.Reachable) == 3,
                managers);
            string IdOf(SecureManager m) => list.Nodes.Single(n => n.Node.RaftAddress == m.Raft.ToString()).Node.Id;
            var (id1, id2, id3) = (IdOf(managers[0]), IdOf(managers[1]), IdOf(managers[2]));

            // m3 down: demoting m2 would leave m1 alone of m1+m3 reachable: refused.
            managers[2].Kill();
            await WaitForAsync(() => nodes.ListAsync(new ListNodesRequest()).ResponseAsync, l => l.Nodes.Any(n => n.Node.Id == id3 && n.Reachability == ManagerReachability.Unreachable), managers);
            var belowQuorum = await Assert.ThrowsAsync<RpcException>(() => nodes.DemoteAsync(new DemoteNodeRequest { Node = id2 }, deadline: DateTime.UtcNow + Wait).ResponseAsync);
            Assert.Equal(StatusCode.FailedPrecondition, belowQuorum.StatusCode);
            Assert.Contains("lose quorum", belowQuorum.Status.Detail, StringComparison.Ordinal);

            // Removing a manager that is still a raft member is refused: demote first.
            var stillManager = await Assert.ThrowsAsync<RpcException>(() => nodes.RemoveAsync(new RemoveNodeRequest { Node = id3, Force = true }).ResponseAsync);
            Assert.Contains("demote it first", stillManager.Status.Detail, StringComparison.Ordinal);

            // Demoting the dead m3 is allowed (m1 and m2 remain, both reachable), then it can be removed.
            var demoted = await nodes.DemoteAsync(new DemoteNodeRequest { Node = id3 }, deadline: DateTime.UtcNow + Wait);
            Assert.Equal(NodeRole.Worker, demoted.Node.Role);
            await nodes.RemoveAsync(new RemoveNodeRequest { Node = id3 }, deadline: DateTime.UtcNow + Wait);
            var two = await nodes.ListAsync(new ListNodesRequest());
            Assert.Equal(2, two.Nodes.Count);
            Assert.True(two.HasQuorum);

            // Down to one manager; the last one cannot go.
            await nodes.DemoteAsync(new DemoteNodeRequest { Node = id2 }, deadline: DateTime.UtcNow + Wait);
            var last = await Assert.ThrowsAsync<RpcException>(() => nodes.DemoteAsync(new DemoteNodeRequest { Node = id1 }, deadline: DateTime.UtcNow + Wait).ResponseAsync);
            Assert.Contains("last manager", last.Status.Detail, StringComparison.Ordinal);

            // The one remaining manager still commits.
            await managers[0].LocalStore.ProposeAsync(new ProposeRequest { Transaction = Put("after", "demotions") }, deadline: DateTime.UtcNow + Wait);
            Assert.NotNull(init);
        });
    }

    [Fact]
    public async Task Lost_quorum_is_reported_and_force_new_cluster_recovers_the_data()
    {
        await using var managers = SecureManagers.Create(3);
        await ExplainAsync(managers, async () =>
        {
            await managers.FormAsync();
            var survivor = managers[0];
            await WaitForAsync(
                () => survivor.LocalNodes.ListAsync(new ListNodesRequest()).ResponseAsync,
                l => l.HasQuorum && l.Nodes.Count(n => n.Reachability is ManagerReachability.Leader or ManagerReachability.Reachable) == 3,
                managers);
            await survivor.LocalStore.ProposeAsync(new ProposeRequest { Transaction = Put("committed", "before") }, deadline: DateTime.UtcNow + Wait);

            managers[1].Kill();
            managers[2].Kill();
            var lost = await WaitForAsync(() => survivor.LocalNodes.ListAsync(new ListNodesRequest()).ResponseAsync, l => !l.HasQuorum, managers);
            Assert.Contains("lost quorum", lost.Warning, StringComparison.Ordinal);
            Assert.Equal(3, lost.Nodes.Count);

            var recovered = await WithLogsAsync(() => survivor.LocalCluster.InitAsync(new InitRequest { ForceNewCluster = true }, deadline: DateTime.UtcNow + Wait).ResponseAsync, managers);
            var list = await WaitForAsync(() => survivor.LocalNodes.ListAsync(new ListNodesRequest()).ResponseAsync, l => l.HasQuorum, managers);
            Assert.Single(list.Nodes, n => n.Node.Role == NodeRole.Manager);
            Assert.Equal(recovered.NodeId, list.Nodes.Single(n => n.Node.Role == NodeRole.Manager).Node.Id);
            var kept = await survivor.LocalStore.GetAsync(new GetRequest { Table = Table.Kv, Id = "committed" }, deadline: DateTime.UtcNow + Wait);
            Assert.Equal("before", kept.Object.Kv.Value.ToStringUtf8());
            await survivor.LocalStore.ProposeAsync(new ProposeRequest { Transaction = Put("committed", "after") }, deadline: DateTime.UtcNow + Wait);
        });
    }

    [Fact]
    public async Task A_leader_cut_off_by_the_network_cannot_commit_and_catches_up_when_the_link_returns()
    {
        await using var lab = await LabNetwork.CreateAsync(3);
        await using var managers = SecureManagers.OnLab(lab.Hosts);
        await ExplainAsync(managers, async () =>
        {
            await managers.FormAsync();
            var info = await WaitForAsync(
                () => managers[0].LocalCluster.InspectAsync(new InspectClusterRequest()).ResponseAsync,
                i => i.HasQuorum && i.ReachableManagers == 3 && i.LeaderNodeId.Length > 0,
                managers);
            var nodes = await managers[0].LocalNodes.ListAsync(new ListNodesRequest());
            var leaderRaft = nodes.Nodes.Single(n => n.Node.Id == info.LeaderNodeId).Node.RaftAddress;
            var cut = managers.Managers.Single(m => m.Raft.ToString() == leaderRaft);
            var majority = managers.Managers.Where(m => m != cut).ToArray();
            await cut.LocalStore.ProposeAsync(new ProposeRequest { Transaction = Put("before", "cut") }, deadline: DateTime.UtcNow + Wait);

            await LabNetwork.CutAsync(lab.Hosts[managers.Managers.ToList().IndexOf(cut)]);
            try
            {
                // The majority elects a new leader and commits; the cut-off manager cannot.
                await WaitForAsync(
                    () => majority[0].LocalStore.ProposeAsync(new ProposeRequest { Transaction = Put("during", "majority") }, deadline: DateTime.UtcNow.AddSeconds(3)).ResponseAsync,
                    _ => true,
                    managers);
                var minority = await Assert.ThrowsAsync<RpcException>(() => cut.LocalStore.ProposeAsync(new ProposeRequest { Transaction = Put("during", "minority") }, deadline: DateTime.UtcNow.AddSeconds(5)).ResponseAsync);
                Assert.Contains(minority.StatusCode, (StatusCode[])[StatusCode.Unavailable, StatusCode.DeadlineExceeded]);
            }
            finally
            {
                await LabNetwork.HealAsync(lab.Hosts[managers.Managers.ToList().IndexOf(cut)]);
            }

            // Back on the network it follows the new leader and reads the majority's write.
            var read = await WaitForAsync(
                () => cut.LocalStore.GetAsync(new GetRequest { Table = Table.Kv, Id = "during" }, deadline: DateTime.UtcNow.AddSeconds(3)).ResponseAsync,
                r => r.Object is not null,
                managers);
            Assert.Equal("majority", read.Object.Kv.Value.ToStringUtf8());
            await cut.LocalStore.ProposeAsync(new ProposeRequest { Transaction = Put("after", "heal") }, deadline: DateTime.UtcNow + Wait);
        });
    }

    [Fact]
    public async Task A_CA_rotation_moves_every_manager_to_the_new_root_and_then_drops_the_old_one()
    {
        await using var managers = SecureManagers.Create(3);
        await ExplainAsync(managers, async () =>
        {
            var init = await managers.FormAsync();
            var cluster = managers[0].LocalCluster;
            var before = await WaitForAsync(() => cluster.InspectAsync(new InspectClusterRequest()).ResponseAsync, i => i.HasQuorum && i.ReachableManagers == 3, managers);
            var oldDigest = Assert.Single(before.RootDigests);

            var rotating = await cluster.RotateCaAsync(new RotateCaRequest(), deadline: DateTime.UtcNow + Wait);
            Assert.Equal(2, rotating.RootDigests.Count);

            // Each manager renews from the new root by itself; then only the new root is trusted.
            var after = await WaitForAsync(() => cluster.InspectAsync(new InspectClusterRequest()).ResponseAsync, i => i.RootDigests.Count == 1, managers);
            Assert.NotEqual(oldDigest, after.RootDigests[0]);
            await WaitForAsync(
                () => managers[2].LocalStore.ProposeAsync(new ProposeRequest { Transaction = Put("after", "rotation") }, deadline: DateTime.UtcNow.AddSeconds(5)).ResponseAsync,
                _ => true,
                managers);

            // The admin certificate from init was signed by the old root: no longer accepted.
            using var stale = SecureManager.TlsChannel(managers[0].Api, SecureManager.AdminCredentials(init));
            await Assert.ThrowsAsync<RpcException>(() => new NodeService.NodeServiceClient(stale).ListAsync(new ListNodesRequest(), deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync);
        });
    }

    internal static Transaction Put(string key, string value) => new()
    {
        Mutations = { new Mutation { Kind = Mutation.Types.Kind.Put, Object = new StoreObject { Kv = new KvPair { Key = key, Value = ByteString.CopyFromUtf8(value) } } } },
    };

    /// <summary>Runs a test body; a failure carries the managers' recent output.</summary>
    private static async Task ExplainAsync(SecureManagers managers, Func<Task> body)
    {
        try
        {
            await body();
        }
        catch (Exception e) when (e is RpcException or Xunit.Sdk.XunitException or TimeoutException)
        {
            throw new InvalidOperationException($"{e.Message}\n{managers.Describe()}", e);
        }
    }

    private static async Task<T> WithLogsAsync<T>(Func<Task<T>> call, SecureManagers managers)
    {
        try
        {
            return await call();
        }
        catch (RpcException e)
        {
            throw new InvalidOperationException($"{e.StatusCode}: {e.Status.Detail}\n{managers.Describe()}", e);
        }
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done, SecureManagers managers)
    {
        var until = DateTime.UtcNow + Wait;
        T? last = default;
        Exception? error = null;
        while (DateTime.UtcNow < until)
        {
            try
            {
                last = await read();
                error = null;
                if (done(last))
                {
                    return last;
                }
            }
            catch (RpcException e)
            {
                error = e;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"condition not reached within {Wait.TotalSeconds} s; last: {last}; error: {error?.Message}\n{managers.Describe()}");
    }
}
