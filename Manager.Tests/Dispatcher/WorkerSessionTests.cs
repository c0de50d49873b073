using System.Diagnostics;
using System.Runtime.Versioning;
using ClusterKit.Manager.Tests.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.TestKit;
using ClusterKit.Worker.Session;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace ClusterKit.Manager.Tests.Dispatcher;

/// <summary>The worker's <see cref="ManagerSession"/> (in this process) against real managers.</summary>
[Collection(RaftClusterCollection.Name)]
[SupportedOSPlatform("linux")]
public sealed class WorkerSessionTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Period = SessionCluster.Period;
    private static readonly TimeSpan NewPeriod = TimeSpan.FromSeconds(1.5);

    /// <summary>How long the test waits for what must happen: patience for a loaded machine, not a claim of speed.</summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static ManagerSession NewSession(string nodeId, IEnumerable<ManagerProcess> managers, string listPath) => new(
        new ManagerSessionOptions
        {
            NodeId = nodeId,
            Managers = [.. managers.Select(m => m.Api.ToString())],
            Description = HostDescription.Read(new Dictionary<string, string>(StringComparer.Ordinal) { ["ckt"] = "yes" }),
            ManagerListPath = listPath,
            FirstRetryDelay = TimeSpan.FromMilliseconds(50),
            MaxRetryDelay = TimeSpan.FromMilliseconds(500),
        },
        new H2cManagerChannelFactory(),
        TimeProvider.System,
        NullLogger<ManagerSession>.Instance);

    private static async Task<ManagerSessionStatus> WaitForAsync(ManagerSession session, Func<ManagerSessionStatus, bool> condition, TimeSpan timeout, SessionCluster cluster)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (condition(session.Status))
            {
                return session.Status;
            }

            await Task.Delay(20);
        }

        Assert.Fail($"the worker session did not get there within {timeout.TotalSeconds} s: {session.Status}\n{await cluster.DescribeAsync()}");
        throw new InvalidOperationException();
    }

    [Fact]
    public async Task A_worker_follows_the_redirect_registers_its_host_and_goes_down_and_back_when_it_stops_and_returns()
    {
        await using var cluster = SessionCluster.Create(electionTimeoutMs: "1000-2000");
        cluster.StartAll();
        var leader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
        using var state = new TempDirectory("ckt-session");
        var listPath = state.Combine("session", "managers");
        var nodeId = SessionCluster.NewNodeId();

        // A follower first on the command line: the worker must be sent on to the leader.
        var session = NewSession(nodeId, [cluster.Managers.First(m => m != leader)], listPath);
        await session.StartAsync(CancellationToken.None);
        try
        {
            var status = await WaitForAsync(session, s => s.Connected, TimeSpan.FromSeconds(15), cluster);

            // Elections may still settle on a loaded machine: the session is with whoever leads now.
            leader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(leader.Api.ToString(), status.ManagerAddress);
            Assert.Equal(Period, status.HeartbeatPeriod);
            var all = cluster.Managers.Select(m => m.Api.ToString()).Order().ToArray();
            await WaitForAsync(session, s => s.Managers.Order().SequenceEqual(all), Wait, cluster);
            Assert.Equal(all, File.ReadAllLines(listPath).Order());

            var (node, _) = await cluster.WaitForStateAsync(leader, nodeId, NodeState.Ready, Wait);
            Assert.Equal(Environment.MachineName, node.Description.Hostname);
            Assert.Equal(Environment.ProcessorCount * 1_000_000_000L, node.Description.Resources.NanoCpus);
            Assert.True(node.Description.Resources.MemoryBytes > 64L << 20, $"memory {node.Description.Resources.MemoryBytes}");
            Assert.Equal("linux", node.Description.Platform.Os);
            Assert.False(string.IsNullOrEmpty(node.Description.EngineVersion));
            Assert.Equal("yes", node.Description.EngineLabels["ckt"]);

            // Heartbeats keep it ready well past the timeout.
            await Task.Delay(5 * Period);
            Assert.Equal(NodeState.Ready, (await SessionCluster.GetNodeAsync(leader, nodeId))!.Status.State);

            // The cluster object's period overrides the managers' option and is pushed to the live session.
            await leader.Client.ProposeAsync(new ProposeRequest
            {
                Transaction = new Transaction
                {
                    Mutations = { new Mutation { Kind = Mutation.Types.Kind.Put, Object = new StoreObject { Cluster = new Cluster { Id = "ckt-cluster", HeartbeatPeriodMs = (long)NewPeriod.TotalMilliseconds } } } },
                },
            });
            await WaitForAsync(session, s => s.HeartbeatPeriod == NewPeriod && s.SessionsAccepted == 1, Wait, cluster);
            await Task.Delay(5 * NewPeriod);
            Assert.Equal(NodeState.Ready, (await SessionCluster.GetNodeAsync(leader, nodeId))!.Status.State);
        }
        finally
        {
            await session.StopAsync(CancellationToken.None);
            session.Dispose();
        }

        var stopped = Stopwatch.GetTimestamp();
        var (down, downAt) = await cluster.WaitForStateAsync(leader, nodeId, NodeState.Down, Wait);
        output.WriteLine($"down {Stopwatch.GetElapsedTime(stopped, downAt).TotalMilliseconds:0} ms after the worker stopped (period {NewPeriod.TotalMilliseconds} ms): {down.Status.Message}");

        // Its last heartbeat went out at most a period before the stop: never down sooner than two periods after it.
        // How soon after three periods is HeartbeatTrackerTests' claim, on a fake clock.
        Assert.True(Stopwatch.GetElapsedTime(stopped, downAt) >= 2 * NewPeriod, $"down {Stopwatch.GetElapsedTime(stopped, downAt).TotalMilliseconds:0} ms after the worker stopped, with a period of {NewPeriod.TotalMilliseconds} ms");

        // A restarted worker with an empty command line list knows every manager from its saved list.
        var restarted = NewSession(nodeId, [cluster.Managers.First(m => m != leader)], listPath);
        Assert.Equal(cluster.Managers.Select(m => m.Api.ToString()).Order(), restarted.Status.Managers.Order());
        var started = Stopwatch.GetTimestamp();
        await restarted.StartAsync(CancellationToken.None);
        try
        {
            var (_, readyAt) = await cluster.WaitForStateAsync(leader, nodeId, NodeState.Ready, Wait);
            output.WriteLine($"ready again {Stopwatch.GetElapsedTime(started, readyAt).TotalMilliseconds:0} ms after the worker started");
        }
        finally
        {
            await restarted.StopAsync(CancellationToken.None);
            restarted.Dispose();
        }
    }

    [Fact]
    public async Task A_worker_moves_to_another_manager_when_its_manager_is_killed_and_the_node_ends_up_ready()
    {
        await using var cluster = SessionCluster.Create();
        cluster.StartAll();
        var leader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
        using var state = new TempDirectory("ckt-session");
        var nodeId = SessionCluster.NewNodeId();
        var session = NewSession(nodeId, cluster.Managers, state.Combine("session", "managers"));
        await session.StartAsync(CancellationToken.None);
        try
        {
            await WaitForAsync(session, s => s.Connected, TimeSpan.FromSeconds(15), cluster);
            leader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(10));
            await cluster.WaitForStateAsync(leader, nodeId, NodeState.Ready, Wait);
            Assert.Equal(leader.Api.ToString(), session.Status.ManagerAddress);

            // kill -9 the manager the worker is connected to (the leader).
            var killed = Stopwatch.GetTimestamp();
            leader.Kill();
            var moved = await WaitForAsync(
                session,
                s => s.Connected && s.SessionsAccepted >= 2 && s.ManagerAddress != leader.Api.ToString(),
                TimeSpan.FromSeconds(20),
                cluster);
            var reconnected = Stopwatch.GetElapsedTime(killed);
            var newLeader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(10), except: leader);
            Assert.Equal(newLeader.Api.ToString(), moved.ManagerAddress);

            var (node, readyAt) = await cluster.WaitForStateAsync(newLeader, nodeId, NodeState.Ready, Wait);
            output.WriteLine($"worker reconnected to {moved.ManagerAddress} {reconnected.TotalMilliseconds:0} ms after kill -9 of {leader.NodeId}; node ready at +{Stopwatch.GetElapsedTime(killed, readyAt).TotalMilliseconds:0} ms");

            // The new leader keeps it ready: its heartbeats reach the new leader.
            await Task.Delay(5 * Period);
            var later = await SessionCluster.GetNodeAsync(newLeader, nodeId);
            Assert.Equal(NodeState.Ready, later!.Status.State);
            Assert.Equal(node.Description, later.Description);
            Assert.Contains(leader.Api.ToString(), session.Status.Managers);
        }
        finally
        {
            await session.StopAsync(CancellationToken.None);
            session.Dispose();
        }
    }
}
