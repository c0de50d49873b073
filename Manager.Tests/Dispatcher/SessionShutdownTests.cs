using System.Diagnostics;
using ClusterKit.Manager.Dispatcher;
using ClusterKit.Manager.Tests.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Manager.Tests.Dispatcher;

/// <summary>A stopping manager ends its worker sessions at once instead of holding its shutdown until the host's 30 s timeout.</summary>
[Collection(RaftClusterCollection.Name)]
public sealed class SessionShutdownTests
{
    [Fact]
    public void Shutting_down_ends_every_session_and_refuses_new_ones()
    {
        var registry = new SessionRegistry(new HeartbeatTracker(new FakeTimeProvider(), TimeSpan.FromSeconds(1), 3));
        using var first = registry.Open("ckt-n1", "127.0.0.1", CancellationToken.None);
        using var second = registry.Open("ckt-n2", "127.0.0.1", CancellationToken.None);

        Assert.Equal(2, registry.ShutDown());

        Assert.True(first.Ending.IsCancellationRequested);
        Assert.True(second.Ending.IsCancellationRequested);
        Assert.Equal(0, registry.Count);
        var refused = Assert.Throws<RpcException>(() => registry.Open("ckt-n3", "127.0.0.1", CancellationToken.None));
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Equal("this manager is shutting down; connect to another manager", refused.Status.Detail);
    }

    [Fact]
    public async Task A_leader_with_a_worker_session_stops_on_SIGTERM_without_waiting_for_the_stream()
    {
        await using var cluster = SessionCluster.Create();
        cluster.StartAll();
        var leader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(60));
        await using var session = new RawSession(leader.Api.ToString());
        var answer = await session.RegisterAsync(SessionCluster.NewNodeId(), "host-s");
        Assert.Equal(ManagerMessage.MessageOneofCase.Accepted, answer.MessageCase);

        var stopping = Stopwatch.StartNew();
        await leader.StopAsync();
        stopping.Stop();

        // ManagerProcess.StopAsync kills a manager still running after 15 s: a stop held by the open stream (30 s) fails here.
        // The bound is patience for a loaded machine; a quiet one stops in about a second.
        if (stopping.Elapsed >= TimeSpan.FromSeconds(12))
        {
            Assert.Fail($"the leader took {stopping.Elapsed.TotalSeconds:0.0} s to stop\n{leader.RecentOutput(400)}");
        }

        Assert.Contains("Manager stopping: ended 1 worker sessions", leader.RecentOutput(200), StringComparison.Ordinal);
    }
}
