using System.Net;
using ClusterKit.Manager.Ca;
using ClusterKit.Manager.Host.Control;
using ClusterKit.Manager.Store.Raft;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Tests.Host.Control;

public sealed class RotationProgressTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 19, 2, 11, TimeSpan.Zero);

    [Fact]
    public void A_stable_CA_waits_for_nobody()
    {
        var rotation = CaRotation.Stable(RootCa.Create("c1", TimeProvider.System));

        Assert.Empty(RotationProgress.Pending(rotation, [Worker("w1", NodeState.Down)], [], _ => null));
    }

    [Fact]
    public void Each_node_on_the_old_root_is_listed_with_hostname_role_state_and_since()
    {
        var newRoot = RootCa.Create("c1", TimeProvider.System);
        var rotation = CaRotation.Stable(RootCa.Create("c1", TimeProvider.System))
            .Start(newRoot, ["m1", "w1", "w2", "w3"])
            .CertificateIssued("w3", newRoot.Digest);
        var nodes = new[] { Manager("m1", "127.0.0.1:4001"), Worker("w1", NodeState.Ready), Worker("w2", NodeState.Down) };
        RaftMemberView[] members = [new(IPEndPoint.Parse("127.0.0.1:4001"), IsSelf: true, IsLeader: true, Reachable: true)];
        var clock = new NodeStateClock();
        clock.Observe([("m1", NodeState.Ready), ("w2", NodeState.Ready)], T0.AddMinutes(-10));
        clock.Observe([("m1", NodeState.Ready), ("w2", NodeState.Down)], T0);

        var pending = RotationProgress.Pending(rotation, nodes, members, clock.Of);

        Assert.Equal(["m1", "w1", "w2"], pending.Select(p => p.NodeId));
        var w2 = pending.Single(p => p.NodeId == "w2");
        Assert.Equal("host-w2", w2.Hostname);
        Assert.Equal(NodeRole.Worker, w2.Role);
        Assert.Equal(NodeState.Down, w2.State);
        Assert.Equal(T0.ToUnixTimeMilliseconds(), w2.StateSinceUnixMs);
        Assert.False(w2.StateBeganEarlier);
        var m1 = pending.Single(p => p.NodeId == "m1");
        Assert.Equal(NodeState.Ready, m1.State);
        Assert.True(m1.StateBeganEarlier);
        // No clock entry for w1: no time rather than a wrong one.
        Assert.Equal(0, pending.Single(p => p.NodeId == "w1").StateSinceUnixMs);
    }

    [Fact]
    public void A_manager_counts_as_its_raft_reachability_not_its_worker_session()
    {
        var manager = Manager("m1", "127.0.0.1:4001");
        manager.Status = new NodeStatus { State = NodeState.Unknown, Message = "manager joined; no worker session yet" };
        RaftMemberView[] reachable = [new(IPEndPoint.Parse("127.0.0.1:4001"), IsSelf: false, IsLeader: false, Reachable: true)];
        RaftMemberView[] unreachable = [new(IPEndPoint.Parse("127.0.0.1:4001"), IsSelf: false, IsLeader: false, Reachable: false)];

        Assert.Equal(NodeState.Ready, NodeStates.Effective(manager, reachable));
        Assert.Equal(NodeState.Down, NodeStates.Effective(manager, unreachable));
        Assert.Equal(NodeState.Down, NodeStates.Effective(manager, []));
        Assert.Equal(NodeState.Disconnected, NodeStates.Effective(Worker("w1", NodeState.Disconnected), reachable));
    }

    private static Node Worker(string id, NodeState state) => new()
    {
        Id = id,
        Role = NodeRole.Worker,
        Description = new NodeDescription { Hostname = "host-" + id },
        Status = new NodeStatus { State = state },
    };

    private static Node Manager(string id, string raft) => new()
    {
        Id = id,
        Role = NodeRole.Manager,
        RaftAddress = raft,
        Description = new NodeDescription { Hostname = "host-" + id },
        Status = new NodeStatus { State = NodeState.Unknown },
    };
}
