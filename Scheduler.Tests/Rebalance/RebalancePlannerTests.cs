using ClusterKit.Manager.Scheduling;
using FsCheck.Xunit;
using static ClusterKit.Scheduler.Tests.TestCluster;

namespace ClusterKit.Scheduler.Tests.Rebalance;

public sealed class RebalancePlannerTests
{
    private static void Run(ClusterState cluster, string node, PlacementSpec spec, int count, string prefix)
    {
        for (var i = 0; i < count; i++)
        {
            cluster.AddTask(node, $"{prefix}{i}", spec.Demand);
        }
    }

    private static Dictionary<string, int> CountsAfter(ClusterState cluster, RebalancePlan plan, string service)
    {
        var copy = cluster.Clone();
        foreach (var m in plan.Moves)
        {
            var from = copy.Find(m.FromNodeId)!;
            Assert.True(from.TryGetTask(m.TaskId, out var t));
            from.RemoveTask(m.TaskId);
            copy.AddTask(m.ToNodeId, m.TaskId, t.Demand);
        }

        return copy.Nodes.ToDictionary(n => n.Id, n => n.TasksOf(service));
    }

    [Fact]
    public void Evens_out_a_lopsided_spread_service_without_touching_the_input()
    {
        var cluster = Cluster(Node("n1"), Node("n2"), Node("n3"));
        var spec = Spec("web", cpus: 0.5, memoryGiB: 0.5, strategy: PlacementStrategy.Spread);
        Run(cluster, "n1", spec, 5, "w");

        var plan = RebalancePlanner.Plan(cluster, [spec], maxMoves: 10);

        Assert.Equal(3, plan.Moves.Count);
        Assert.Equal(1, plan.ServicesEvened);
        Assert.Equal(5, cluster.Find("n1")!.TasksOf("web"));
        var counts = CountsAfter(cluster, plan, "web");
        Assert.Equal([1, 2, 2], counts.Values.Order());
        Assert.All(plan.Moves, m => Assert.Equal("n1", m.FromNodeId));
        Assert.StartsWith("even out spread service web (5 tasks on n1, 0 on n", plan.Moves[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Stops_at_the_move_budget()
    {
        var cluster = Cluster(Node("n1"), Node("n2"), Node("n3"));
        var spec = Spec("web", cpus: 0.5, memoryGiB: 0.5, strategy: PlacementStrategy.Spread);
        Run(cluster, "n1", spec, 6, "w");

        Assert.Single(RebalancePlanner.Plan(cluster, [spec], maxMoves: 1).Moves);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => RebalancePlanner.Plan(cluster, [spec], maxMoves: 0));
        Assert.StartsWith("rebalance move budget 0 is invalid; allowed: 1 or more", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keeps_the_zone_spread_that_preferences_made()
    {
        var cluster = Cluster(Node("a1", zone: "a"), Node("a2", zone: "a"), Node("b1", zone: "b"));
        var spec = Spec("web", cpus: 0.5, memoryGiB: 0.5, strategy: PlacementStrategy.Spread, preferences: ["spread=node.labels.zone"]);
        Run(cluster, "a1", spec, 4, "a");
        Run(cluster, "b1", spec, 1, "b");

        var plan = RebalancePlanner.Plan(cluster, [spec], maxMoves: 10);

        Assert.Equal(2, plan.Moves.Count);
        Assert.All(plan.Moves, m => Assert.Equal(("a1", "a2"), (m.FromNodeId, m.ToNodeId)));
    }

    [Fact]
    public void Does_not_move_onto_nodes_that_fail_the_spec()
    {
        var cluster = Cluster(Node("n1"), Node("n2", availability: NodeAvailability.Drain), Node("n3", cpus: 0.25));
        var spec = Spec("web", cpus: 0.5, memoryGiB: 0.5, strategy: PlacementStrategy.Spread);
        Run(cluster, "n1", spec, 4, "w");

        Assert.Empty(RebalancePlanner.Plan(cluster, [spec], maxMoves: 10).Moves);
    }

    [Fact]
    public void Defragments_bin_pack_by_emptying_the_least_used_node_into_fuller_ones()
    {
        var cluster = Cluster(Node("x"), Node("y"), Node("z"));
        var spec = Spec("api", cpus: 1, memoryGiB: 1);
        Run(cluster, "x", spec, 1, "x");
        Run(cluster, "y", spec, 2, "y");
        Run(cluster, "z", spec, 2, "z");

        var plan = RebalancePlanner.Plan(cluster, [spec], maxMoves: 10);

        // x's task goes to y (fuller, first by id); then y is the fullest and z's two tasks do not fit in y's last CPU.
        Assert.Equal(1, plan.NodesFreed);
        var move = Assert.Single(plan.Moves);
        Assert.Equal("x", move.FromNodeId);
        Assert.Equal("defragment: empty node x", move.Reason);
    }

    [Fact]
    public void Leaves_nodes_whose_tasks_belong_to_services_it_was_not_given()
    {
        var cluster = Cluster(Node("x"), Node("y"));
        var spec = Spec("api", cpus: 1, memoryGiB: 1);
        Run(cluster, "y", spec, 2, "y");
        cluster.AddTask("x", "other", new TaskDemand("db", Core, GiB));

        Assert.Empty(RebalancePlanner.Plan(cluster, [spec], maxMoves: 10).Moves);
    }

    [Property(MaxTest = 150)]
    public void Applying_the_moves_keeps_every_node_within_its_limits(int seed)
    {
        var scenario = Properties.RandomScenario.Create(seed, allowGlobal: false);
        var cluster = scenario.BuildCluster();
        new Manager.Scheduling.Scheduler().Schedule(cluster, scenario.Batches, 1);
        var specs = scenario.Batches.Select(b => b.Spec).ToList();

        var plan = RebalancePlanner.Plan(cluster, specs, maxMoves: 20);

        Assert.True(plan.Moves.Count <= 20);
        foreach (var m in plan.Moves)
        {
            var from = cluster.Find(m.FromNodeId)!;
            Assert.True(from.TryGetTask(m.TaskId, out var task));
            from.RemoveTask(m.TaskId);
            var to = cluster.Find(m.ToNodeId)!;
            Assert.True(to.AddTask(m.TaskId, task.Demand));
            var spec = specs.Single(s => s.ServiceId == m.ServiceId);
            Assert.True(to.AvailableNanoCpus >= 0 && to.AvailableMemoryBytes >= 0 && to.AvailableGeneric("gpu") >= 0);
            Assert.All(spec.Constraints, c => Assert.True(c.IsMetBy(to)));
            Assert.True(spec.MaxReplicasPerNode == 0 || to.TasksOf(spec.ServiceId) <= spec.MaxReplicasPerNode);
            Assert.Equal(NodeAvailability.Active, to.Description.Availability);
            Assert.All(to.Tasks.SelectMany(t => t.Demand.HostPorts).GroupBy(p => p), g => Assert.Single(g));
        }
    }
}
