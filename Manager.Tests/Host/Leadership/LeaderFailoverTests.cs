using ClusterKit.Manager.Tests.Dispatcher;
using ClusterKit.Manager.Tests.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using Xunit.Abstractions;

namespace ClusterKit.Manager.Tests.Host.Leadership;

/// <summary>Leader-only work follows the leadership between real managers.</summary>
[Collection(RaftClusterCollection.Name)]
public sealed class LeaderFailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_the_leader_moves_node_health_to_the_new_leader()
    {
        await using var cluster = SessionCluster.Create();
        cluster.StartAll();
        var leader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
        var nodeId = SessionCluster.NewNodeId();
        await using (var session = new RawSession(leader.Api.ToString()))
        {
            Assert.Equal(ManagerMessage.MessageOneofCase.Accepted, (await session.RegisterAsync(nodeId, "host-failover")).MessageCase);
            await session.HeartbeatAsync();
            await cluster.WaitForStateAsync(leader, nodeId, NodeState.Ready, TimeSpan.FromSeconds(10));

            // kill -9: the node's session dies with the leader, and the node never reconnects.
            leader.Kill();
        }

        var newLeader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(20), except: leader);
        var (down, _) = await cluster.WaitForStateAsync(newLeader, nodeId, NodeState.Down, TimeSpan.FromSeconds(20));
        Assert.StartsWith("no heartbeat for ", down.Status.Message, StringComparison.Ordinal);

        // The new leader's own node health decided it, in a term it leads. It logs after the write, and the test
        // reads the manager's output through a pipe: on a loaded machine the line can follow the state by a moment.
        var downLine = $"Node {nodeId} is down";
        var log = newLeader.RecentOutput(400);
        for (var waited = 0; !log.Contains(downLine, StringComparison.Ordinal) && waited < 100; waited++)
        {
            await Task.Delay(100);
            log = newLeader.RecentOutput(400);
        }

        output.WriteLine(log);
        Assert.Contains("leader services", log, StringComparison.Ordinal);
        Assert.Contains(downLine, log, StringComparison.Ordinal);
        var follower = cluster.Managers.Single(m => m != leader && m != newLeader);
        Assert.DoesNotContain(downLine, follower.RecentOutput(400), StringComparison.Ordinal);
    }
}
