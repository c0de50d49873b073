using System.Diagnostics;
using ClusterKit.Manager.Tests.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using Grpc.Core;
using Xunit.Abstractions;

namespace ClusterKit.Manager.Tests.Dispatcher;

/// <summary>The dispatcher protocol against three real managers (heartbeat period 1 s); bounds are behaviour, not speed.</summary>
[Collection(RaftClusterCollection.Name)]
public sealed class DispatcherSessionTests(SessionClusterFixture fixture, ITestOutputHelper output) : IClassFixture<SessionClusterFixture>
{
    private static readonly TimeSpan Period = SessionCluster.Period;

    /// <summary>How long the test waits for what must happen: patience for a loaded machine, not a claim of speed.</summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_leader_accepts_a_registration_and_records_the_node_ready_with_its_description()
    {
        var (leader, _) = await fixture.RolesAsync();
        var nodeId = SessionCluster.NewNodeId();
        await using var session = new RawSession(leader.Api.ToString());
        var answer = await session.RegisterAsync(nodeId, "host-a");

        Assert.Equal(ManagerMessage.MessageOneofCase.Accepted, answer.MessageCase);
        Assert.Equal(nodeId, answer.Accepted.NodeId);
        Assert.Equal((long)Period.TotalMilliseconds, answer.Accepted.HeartbeatPeriodMs);
        Assert.False(string.IsNullOrEmpty(answer.Accepted.SessionId));
        Assert.Equal(
            fixture.Cluster.Managers.Select(m => m.Api.ToString()).Order(),
            answer.Accepted.Managers.Select(m => m.ApiAddress).Order());

        // Every manager's copy has it, through Raft.
        foreach (var manager in fixture.Cluster.Managers)
        {
            var (node, _) = await fixture.Cluster.WaitForStateAsync(manager, nodeId, NodeState.Ready, Wait);
            Assert.Equal(RawSession.Description("host-a"), node.Description);
            Assert.Equal("127.0.0.1", node.Status.Address);
            Assert.Equal(NodeRole.Worker, node.Role);
            Assert.Equal(NodeAvailability.Active, node.Spec.Availability);
        }

        // Heartbeats are acknowledged and write nothing while the node stays ready.
        var before = (await SessionCluster.GetNodeAsync(leader, nodeId))!.Version;
        for (var i = 0; i < 5; i++)
        {
            await session.HeartbeatAsync();
            var ack = await session.ReadUntilAsync(ManagerMessage.MessageOneofCase.HeartbeatAck, Wait);
            Assert.Equal((long)Period.TotalMilliseconds, ack.HeartbeatAck.HeartbeatPeriodMs);
            await Task.Delay(Period / 2);
        }

        Assert.Equal(before, (await SessionCluster.GetNodeAsync(leader, nodeId))!.Version);
    }

    [Fact]
    public async Task A_node_is_down_after_three_missed_heartbeats_and_ready_again_at_the_next_one()
    {
        var (leader, follower) = await fixture.RolesAsync();
        var nodeId = SessionCluster.NewNodeId();
        await using var session = new RawSession(leader.Api.ToString());
        Assert.Equal(ManagerMessage.MessageOneofCase.Accepted, (await session.RegisterAsync(nodeId, "host-b")).MessageCase);
        for (var i = 0; i < 4; i++)
        {
            await session.HeartbeatAsync();
            await Task.Delay(Period);
        }

        await session.HeartbeatAsync();
        var lastHeartbeat = Stopwatch.GetTimestamp();
        await session.ReadUntilAsync(ManagerMessage.MessageOneofCase.HeartbeatAck, Wait);

        // Silent, stream open: down after 3 periods, never before. How soon after is HeartbeatTrackerTests' claim (fake
        // clock); here a loaded machine may delay the check, the commit and the poll, so only the test's patience bounds it.
        var (down, seenDownAt) = await fixture.Cluster.WaitForStateAsync(leader, nodeId, NodeState.Down, Wait);
        var silence = Stopwatch.GetElapsedTime(lastHeartbeat, seenDownAt);
        output.WriteLine($"down observed {silence.TotalMilliseconds:0} ms after the last heartbeat (timeout {3 * Period.TotalMilliseconds} ms): {down.Status.Message}");
        Assert.True(silence >= 3 * Period, $"down {silence.TotalMilliseconds:0} ms after the last heartbeat, before the timeout of three periods");

        // The leader's own account of the silence it decided on: at least the three periods.
        Assert.StartsWith("no heartbeat for ", down.Status.Message, StringComparison.Ordinal);
        var decidedAfter = double.Parse(down.Status.Message["no heartbeat for ".Length..^" s".Length], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(decidedAfter, (3 * Period).TotalSeconds, Wait.TotalSeconds);
        Assert.Equal(RawSession.Description("host-b"), down.Description);

        // The next heartbeat on the same stream brings it back. Heartbeats then go on at the period, so that a
        // manager slowed by a loaded machine is not asked about a state the node already left again.
        await session.HeartbeatAsync();
        var resumed = Stopwatch.GetTimestamp();
        using var keepBeating = new CancellationTokenSource();
        var beating = KeepHeartbeatingAsync(session, keepBeating.Token);
        try
        {
            var (ready, seenReadyAt) = await fixture.Cluster.WaitForStateAsync(leader, nodeId, NodeState.Ready, Wait);
            output.WriteLine($"ready again {Stopwatch.GetElapsedTime(resumed, seenReadyAt).TotalMilliseconds:0} ms after the heartbeat");
            Assert.Equal(string.Empty, ready.Status.Message);
            Assert.Equal(down.Status.Address, ready.Status.Address);

            // Every other manager agrees.
            await fixture.Cluster.WaitForStateAsync(follower, nodeId, NodeState.Ready, Wait);
        }
        finally
        {
            await keepBeating.CancelAsync();
            await beating;
        }
    }

    private static async Task KeepHeartbeatingAsync(RawSession session, CancellationToken token)
    {
        try
        {
            while (true)
            {
                await Task.Delay(Period, token);
                await session.HeartbeatAsync();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [Fact]
    public async Task A_follower_redirects_the_worker_to_the_leader_and_records_nothing()
    {
        var (leader, follower) = await fixture.RolesAsync();
        var nodeId = SessionCluster.NewNodeId();
        await using var session = new RawSession(follower.Api.ToString());
        var answer = await session.RegisterAsync(nodeId, "host-c");

        Assert.Equal(ManagerMessage.MessageOneofCase.Redirect, answer.MessageCase);
        Assert.Equal(leader.Api.ToString(), answer.Redirect.LeaderApiAddress);
        Assert.Equal(3, answer.Redirect.Managers.Count);
        Assert.Null(await session.ReadAsync(TimeSpan.FromSeconds(5)));
        Assert.Null(await SessionCluster.GetNodeAsync(leader, nodeId));
    }

    [Fact]
    public async Task A_second_session_for_a_node_with_a_live_session_is_refused_until_the_first_ends()
    {
        var (leader, _) = await fixture.RolesAsync();
        var nodeId = SessionCluster.NewNodeId();
        var first = new RawSession(leader.Api.ToString());
        try
        {
            Assert.Equal(ManagerMessage.MessageOneofCase.Accepted, (await first.RegisterAsync(nodeId, "host-d")).MessageCase);
            await first.HeartbeatAsync();

            await using (var second = new RawSession(leader.Api.ToString()))
            {
                var refused = await Assert.ThrowsAsync<RpcException>(() => second.RegisterAsync(nodeId, "host-d2"));
                Assert.Equal(StatusCode.AlreadyExists, refused.StatusCode);
                Assert.StartsWith($"node {nodeId} already has a live session {first.SessionId} from 127.0.0.1", refused.Status.Detail, StringComparison.Ordinal);
            }

            var node = await SessionCluster.GetNodeAsync(leader, nodeId);
            Assert.Equal("host-d", node!.Description.Hostname);
        }
        finally
        {
            await first.DisposeAsync();
        }

        // Once the first stream is gone, the node may open a new one.
        var until = DateTime.UtcNow + Wait;
        while (true)
        {
            await using var again = new RawSession(leader.Api.ToString());
            try
            {
                Assert.Equal(ManagerMessage.MessageOneofCase.Accepted, (await again.RegisterAsync(nodeId, "host-d3")).MessageCase);
                break;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists && DateTime.UtcNow < until)
            {
                await Task.Delay(50);
            }
        }

        Assert.Equal("host-d3", (await SessionCluster.GetNodeAsync(leader, nodeId))!.Description.Hostname);
    }

    [Theory]
    [InlineData("", "register: node id is empty; allowed:")]
    [InlineData("bad id", "register: node id 'bad id' is invalid; allowed:")]
    public async Task A_bad_node_id_is_refused_with_what_is_allowed(string nodeId, string start)
    {
        var (leader, _) = await fixture.RolesAsync();
        await using var session = new RawSession(leader.Api.ToString());
        var e = await Assert.ThrowsAsync<RpcException>(() => session.RegisterAsync(nodeId, "host-e"));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.StartsWith(start, e.Status.Detail, StringComparison.Ordinal);
    }
}
