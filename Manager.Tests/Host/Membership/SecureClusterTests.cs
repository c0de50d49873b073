using ClusterKit.Manager.Tests.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.TestKit;
using Google.Protobuf;
using Grpc.Core;
using NodeCredentials = ClusterKit.Shared.Identity.NodeCredentials;
using NodeKey = ClusterKit.Shared.Identity.NodeKey;

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

            // The admin renews its own identity on any manager, for a key it keeps.
            using var renewalKey = NodeKey.Create();
            var renewed = await new ClusterService.ClusterServiceClient(admin).IssueAdminCertificateAsync(new IssueAdminCertificateRequest { CsrPem = NodeKey.CreateSigningRequestPem(renewalKey) });
            var renewedIdentity = new NodeCredentials(NodeKey.WithCertificate(renewalKey, renewed.CertificatePem), SecureManager.AdminCredentials(init).Trust).Identity;
            Assert.Equal(SecureManager.AdminCredentials(init).Identity, renewedIdentity);
            Assert.Equal(init.ClusterId, renewed.ClusterId);
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

            // An admin certificate goes to neither an anonymous TLS caller nor a worker certificate.
            using var adminKey = NodeKey.Create();
            var askAdmin = new IssueAdminCertificateRequest { CsrPem = NodeKey.CreateSigningRequestPem(adminKey) };
            var anonymousAdmin = await Assert.ThrowsAsync<RpcException>(() => new ClusterService.ClusterServiceClient(anonymous).IssueAdminCertificateAsync(askAdmin).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, anonymousAdmin.StatusCode);
            using var workerKey = NodeKey.Create();
            var worker = await new NodeCa.NodeCaClient(anonymous).IssueNodeCertificateAsync(
                new IssueNodeCertificateRequest { Token = init.WorkerToken, CsrPem = NodeKey.CreateSigningRequestPem(workerKey), Hostname = "ckt-worker" });
            // A retried join with the same key gets the same node; a forged or huge hostname is refused, naming it briefly.
            var nodesBefore = (await managers[0].LocalNodes.ListAsync(new ListNodesRequest())).Nodes.Count;
            var retried = await new NodeCa.NodeCaClient(anonymous).IssueNodeCertificateAsync(
                new IssueNodeCertificateRequest { Token = init.WorkerToken, CsrPem = NodeKey.CreateSigningRequestPem(workerKey), Hostname = "ckt-worker" });
            Assert.Equal(worker.NodeId, retried.NodeId);
            Assert.Equal(nodesBefore, (await managers[0].LocalNodes.ListAsync(new ListNodesRequest())).Nodes.Count);
            using var otherKey = NodeKey.Create();
            foreach (var hostname in new[] { "evil\n0123  Leader", new string('h', 3 << 20) })
            {
                var forged = await Assert.ThrowsAsync<RpcException>(() => new NodeCa.NodeCaClient(anonymous).IssueNodeCertificateAsync(
                    new IssueNodeCertificateRequest { Token = init.WorkerToken, CsrPem = NodeKey.CreateSigningRequestPem(otherKey), Hostname = hostname }).ResponseAsync);
                Assert.Equal(StatusCode.InvalidArgument, forged.StatusCode);
                Assert.StartsWith("join refused: hostname", forged.Status.Detail, StringComparison.Ordinal);
                Assert.True(forged.Status.Detail.Length < 400, forged.Status.Detail.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            Assert.Equal(nodesBefore, (await managers[0].LocalNodes.ListAsync(new ListNodesRequest())).Nodes.Count);
            var workerCredentials = new NodeCredentials(NodeKey.WithCertificate(workerKey, worker.CertificatePem), SecureManager.AdminCredentials(init).Trust);
            using var workerChannel = SecureManager.TlsChannel(managers[0].Api, workerCredentials);
            var workerAdmin = await Assert.ThrowsAsync<RpcException>(() => new ClusterService.ClusterServiceClient(workerChannel).IssueAdminCertificateAsync(askAdmin).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, workerAdmin.StatusCode);
            Assert.Contains("IssueAdminCertificate: worker ", workerAdmin.Status.Detail, StringComparison.Ordinal);
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
    public async Task Ck_cluster_init_leaves_another_clusters_admin_files_alone_and_a_new_certificate_comes_over_the_local_socket()
    {
        await using var managers = SecureManagers.Create(2);
        var config = Directory.CreateTempSubdirectory("ckt-ck-").FullName;
        var fresh = Directory.CreateTempSubdirectory("ckt-ck-").FullName;
        try
        {
            await ExplainAsync(managers, async () =>
            {
                await managers.StartAllAsync();

                // The operator's config directory holds cluster A's admin files.
                var first = await managers[0].LocalCluster.InitAsync(new InitRequest(), deadline: DateTime.UtcNow + Wait);
                var admin = Path.Combine(config, "admin.pem");
                var trust = Path.Combine(config, "trust.pem");
                await File.WriteAllTextAsync(admin, first.AdminCertificatePem + "\n" + first.AdminKeyPem + "\n");
                await File.WriteAllTextAsync(trust, string.Join('\n', first.RootCertificatesPem));
                File.SetUnixFileMode(admin, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                File.SetUnixFileMode(trust, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                var before = await File.ReadAllBytesAsync(admin);

                // `ck cluster init` of cluster B on the other manager keeps them and says what to do.
                var output = await Ck(managers, "cluster", "init", "--manager-socket", managers[1].SocketPath, "--config-dir", config);
                Assert.Contains($"holds the admin certificate of another cluster ({first.ClusterId}); left them alone", output, StringComparison.Ordinal);
                Assert.Equal(before, await File.ReadAllBytesAsync(admin));

                // As it says: an admin certificate of B into another directory, over the local socket, works with --host.
                await Ck(managers, "cluster", "ca", "--renew-admin", "--manager-socket", managers[1].SocketPath, "--config-dir", fresh);
                var inspect = await Ck(managers, "cluster", "inspect", "--host", managers[1].Api.ToString(), "--config-dir", fresh);
                Assert.DoesNotContain(first.ClusterId, inspect, StringComparison.Ordinal);
            });
        }
        finally
        {
            Directory.Delete(config, recursive: true);
            Directory.Delete(fresh, recursive: true);
        }
    }

    [Fact]
    public async Task A_CA_rotation_moves_every_manager_to_the_new_root_and_then_drops_the_old_one()
    {
        await using var managers = SecureManagers.Create(3);
        var operatorConfig = Directory.CreateTempSubdirectory("ckt-ck-").FullName;
        var joinerConfig = Directory.CreateTempSubdirectory("ckt-ck-").FullName;
        try
        {
            await ExplainAsync(managers, async () =>
            {
                await managers.StartAllAsync();
                var init = await managers[0].LocalCluster.InitAsync(new InitRequest(), deadline: DateTime.UtcNow + Wait);
                await managers[1].LocalCluster.JoinAsync(new JoinRequest { Token = init.ManagerToken, RemoteAddress = managers[0].Api.ToString() }, deadline: DateTime.UtcNow.AddSeconds(120));

                // The third manager joins with ck, which keeps an admin certificate for --host from that host.
                var joined = await Ck(managers, "cluster", "join", "--token", init.ManagerToken, managers[0].Api.ToString(), "--manager-socket", managers[2].SocketPath, "--config-dir", joinerConfig);
                Assert.Contains($"joined cluster {init.ClusterId} as a manager", joined, StringComparison.Ordinal);
                Assert.Contains($"ck's admin certificate (valid until ", joined, StringComparison.Ordinal);
                Assert.Contains(init.ClusterId, await Ck(managers, "cluster", "inspect", "--host", managers[2].Api.ToString(), "--config-dir", joinerConfig), StringComparison.Ordinal);

                // The operator on the first manager's host gets one over the local socket.
                await Ck(managers, "cluster", "ca", "--renew-admin", "--manager-socket", managers[0].SocketPath, "--config-dir", operatorConfig);

                var cluster = managers[0].LocalCluster;
                var before = await WaitForAsync(() => cluster.InspectAsync(new InspectClusterRequest()).ResponseAsync, i => i.HasQuorum && i.ReachableManagers == 3, managers);
                var oldDigest = Assert.Single(before.RootDigests);

                // A worker that joined but never came up: the rotation waits for it, and says so.
                var absent = await JoinAbsentWorkerAsync(managers[0], init);

                using var rotate = CkProcess.Start("cluster", "ca", "--rotate", "--manager-socket", managers[0].SocketPath, "--config-dir", operatorConfig);
                await rotate.WaitForOutputAsync("CA rotation: waiting for 4 of 4 nodes: ", Wait);
                await rotate.WaitForOutputAsync($"(worker, not connected since ", Wait);
                Assert.Contains($"or remove it with `ck node rm {absent}`", rotate.Output, StringComparison.Ordinal);
                Assert.Contains("(manager, ready, moves after the workers)", rotate.Output, StringComparison.Ordinal);
                Assert.Contains("ck's admin certificate (valid until ", rotate.Output, StringComparison.Ordinal);
                var inspect = await Ck(managers, "cluster", "inspect", "--manager-socket", managers[1].SocketPath);
                Assert.Contains("Rotation waits for: 4 of 4 nodes", inspect, StringComparison.Ordinal);

                // Removing the absent worker lets the managers move; ck reports each and returns when the old root is gone.
                await managers[0].LocalNodes.RemoveAsync(new RemoveNodeRequest { Node = absent, Force = true }, deadline: DateTime.UtcNow + Wait);
                Assert.Equal(0, await rotate.WaitForExitAsync(TimeSpan.FromSeconds(60)));
                Assert.Contains("(worker) is off the old root", rotate.Output, StringComparison.Ordinal);
                Assert.Contains("CA rotation complete: every node is on root ", rotate.Output, StringComparison.Ordinal);

                var after = await cluster.InspectAsync(new InspectClusterRequest(), deadline: DateTime.UtcNow + Wait);
                var newDigest = Assert.Single(after.RootDigests);
                Assert.NotEqual(oldDigest, newDigest);
                Assert.Empty(after.NodesOnRetiringRoot);
                await WaitForAsync(
                    () => managers[2].LocalStore.ProposeAsync(new ProposeRequest { Transaction = Put("after", "rotation") }, deadline: DateTime.UtcNow.AddSeconds(5)).ResponseAsync,
                    _ => true,
                    managers);

                // The operator's certificate was renewed by the rotation: --host still works on any manager.
                Assert.Contains(newDigest, await Ck(managers, "cluster", "inspect", "--host", managers[1].Api.ToString(), "--config-dir", operatorConfig), StringComparison.Ordinal);

                // The admin certificate from init was signed by the old root: no longer accepted.
                using var stale = SecureManager.TlsChannel(managers[0].Api, SecureManager.AdminCredentials(init));
                await Assert.ThrowsAsync<RpcException>(() => new NodeService.NodeServiceClient(stale).ListAsync(new ListNodesRequest(), deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync);

                // The joined host's certificate is from the old root too; renewed over its local socket, it works again.
                await Ck(managers, "cluster", "ca", "--renew-admin", "--manager-socket", managers[2].SocketPath, "--config-dir", joinerConfig);
                Assert.Contains(newDigest, await Ck(managers, "cluster", "inspect", "--host", managers[0].Api.ToString(), "--config-dir", joinerConfig), StringComparison.Ordinal);
            });
        }
        finally
        {
            Directory.Delete(operatorConfig, recursive: true);
            Directory.Delete(joinerConfig, recursive: true);
        }
    }

    /// <summary>Runs ck to its end and returns what it printed; a failure carries its output and the managers'.</summary>
    private static async Task<string> Ck(SecureManagers managers, params string[] arguments)
    {
        var (exit, output) = await CkProcess.RunAsync(TimeSpan.FromSeconds(120), arguments);
        return exit == 0
            ? output
            : throw new InvalidOperationException($"`ck {string.Join(' ', arguments)}` exited {exit}:\n{output}\n{managers.Describe()}");
    }

    /// <summary>A worker certificate issued with the worker token, for a worker that never starts; its node id.</summary>
    private static async Task<string> JoinAbsentWorkerAsync(SecureManager manager, InitResponse init)
    {
        using var anonymous = SecureManager.AnonymousChannel(manager.Api, SecureManager.AdminCredentials(init).Trust, init.ClusterId);
        using var key = NodeKey.Create();
        var issued = await new NodeCa.NodeCaClient(anonymous).IssueNodeCertificateAsync(
            new IssueNodeCertificateRequest { Token = init.WorkerToken, CsrPem = NodeKey.CreateSigningRequestPem(key), Hostname = "ckt-absent-worker" },
            deadline: DateTime.UtcNow + Wait);
        return issued.NodeId;
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

    /// <summary>Reads until <paramref name="done"/> holds (within <paramref name="within"/>, 30 s by default); a timeout carries the managers' output.</summary>
    internal static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done, SecureManagers managers, TimeSpan? within = null)
    {
        var wait = within ?? Wait;
        var until = DateTime.UtcNow + wait;
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

        throw new TimeoutException($"condition not reached within {wait.TotalSeconds} s; last: {last}; error: {error?.Message}\n{managers.Describe()}");
    }
}
