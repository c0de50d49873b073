using ClusterKit.Manager.Scheduling;
using static ClusterKit.Scheduler.Tests.TestCluster;

namespace ClusterKit.Scheduler.Tests.Placement;

public sealed class SchedulerTests
{
    private readonly Manager.Scheduling.Scheduler _scheduler = new();

    [Fact]
    public void Bin_pack_fills_the_fullest_node_that_fits_first()
    {
        var cluster = Cluster(Node("a"), Node("b"), Node("c"));
        cluster.AddTask("b", "old", new TaskDemand("other", 2 * Core, 2 * GiB));

        var result = _scheduler.Schedule(cluster, [Batch(Spec("web"), 3)]).Batches[0];

        // b has 2 of 4 CPUs free: two tasks fill it, the third opens another node.
        var counts = CountByNode(result);
        Assert.Equal(2, counts["b"]);
        Assert.Equal(2, counts.Count);
        Assert.Equal(0, cluster.Find("b")!.AvailableNanoCpus);
    }

    [Fact]
    public void Spread_puts_each_task_on_the_emptiest_node()
    {
        var cluster = Cluster(Node("a"), Node("b"), Node("c"));
        cluster.AddTask("b", "old", new TaskDemand("other", 2 * Core, 2 * GiB));

        var result = _scheduler.Schedule(cluster, [Batch(Spec("web", strategy: PlacementStrategy.Spread), 2)]).Batches[0];

        Assert.Equal(["a", "c"], result.Assignments.Select(a => a.NodeId).Order());
    }

    [Fact]
    public void Anti_affinity_spreads_a_small_service_even_when_bin_packing()
    {
        var cluster = Cluster(Node("a", cpus: 16, memoryGiB: 32), Node("b", cpus: 16, memoryGiB: 32), Node("c", cpus: 16, memoryGiB: 32));

        var packed = _scheduler.Schedule(cluster.Clone(), [Batch(Spec("web"), 3)]).Batches[0];
        var apart = _scheduler.Schedule(cluster.Clone(), [Batch(Spec("web", antiAffinity: true), 3)]).Batches[0];

        Assert.Single(CountByNode(packed));
        Assert.Equal(3, CountByNode(apart).Count);
    }

    [Fact]
    public void Placement_preference_spreads_evenly_over_zones_then_racks()
    {
        var nodes = new List<NodeDescription>();
        foreach (var zone in new[] { "a", "b", "c" })
        {
            foreach (var rack in new[] { "r1", "r2" })
            {
                for (var i = 0; i < 3; i++)
                {
                    nodes.Add(Node($"{zone}-{rack}-{i}", cpus: 64, memoryGiB: 256, zone: zone, labels: new Dictionary<string, string> { ["rack"] = rack }));
                }
            }
        }

        var cluster = new ClusterState(nodes);
        var result = _scheduler.Schedule(cluster, [Batch(Spec("web", preferences: ["spread=node.labels.zone", "spread=node.labels.rack"]), 12)]).Batches[0];

        var byZoneRack = result.Assignments.GroupBy(a => a.NodeId[..4]).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(6, byZoneRack.Count);
        Assert.All(byZoneRack.Values, n => Assert.Equal(2, n));
    }

    [Fact]
    public void Placement_preference_evens_out_existing_imbalance_and_respects_capacity()
    {
        var cluster = Cluster(Node("a1", zone: "a"), Node("b1", zone: "b"), Node("c1", cpus: 1, zone: "c"), Node("x1"));
        var spec = Spec("web", preferences: ["spread=node.labels.zone"]);
        cluster.AddTask("a1", "old1", spec.Demand);
        cluster.AddTask("a1", "old2", spec.Demand);

        var result = _scheduler.Schedule(cluster, [Batch(spec, 5)]).Batches[0];

        // Loads before: a=2, b=0, c=0, (no zone)=0. c holds one task. Five more: b, c, x, b, x -> a2 b2 c1 x2.
        Assert.Equal(5, result.Assignments.Count);
        var counts = CountByNode(result);
        Assert.False(counts.ContainsKey("a1"));
        Assert.Equal(2, counts["b1"]);
        Assert.Equal(1, counts["c1"]);
        Assert.Equal(2, counts["x1"]);
    }

    [Fact]
    public void Global_service_gets_one_task_per_eligible_node_and_reports_the_rest()
    {
        var cluster = Cluster(
            Node("a"), Node("b"), Node("c", memoryGiB: 0.25), Node("p", availability: NodeAvailability.Pause), Node("m", role: NodeRole.Manager));
        var spec = Spec("agent", cpus: 0.1, memoryGiB: 0.5, mode: ServiceMode.Global, constraints: ["node.role==worker"]);

        var result = _scheduler.Schedule(cluster, [Batch(spec, 5)]).Batches[0];

        Assert.Equal(["a", "b"], result.Assignments.Select(a => a.NodeId).Order());
        Assert.Equal(["c"], result.GlobalNodesWithoutTask);
        Assert.Equal("no suitable node (2 nodes: already runs a task of this global service; 1 node: paused; 1 node: constraint node.role==worker not met; 1 node: insufficient memory)", result.Explanation!.Message);

        // Nodes change: a is drained, b loses the role it was constrained on, d joins.
        cluster.AddOrUpdateNode(Node("a", availability: NodeAvailability.Drain));
        cluster.AddOrUpdateNode(Node("b", role: NodeRole.Manager));
        cluster.AddNode(Node("d"));
        var again = _scheduler.Schedule(cluster, [Batch(spec, 1, "r")]).Batches[0];

        Assert.Equal([new TaskAssignment("agent-r0", "d")], again.Assignments);
        Assert.Equal(["c"], again.GlobalNodesWithoutTask);
        Assert.Equal(["a", "b"], again.GlobalNodesToVacate);
    }

    [Fact]
    public void Same_input_and_seed_give_the_same_placement_and_another_seed_may_not()
    {
        ClusterState Make() => new(Enumerable.Range(0, 50).Select(i => Node($"n{i}", cpus: 8, memoryGiB: 16)));
        TaskBatch[] Batches() => [Batch(Spec("a", cpus: 0.5, strategy: PlacementStrategy.Spread), 40), Batch(Spec("b", cpus: 1.5), 20)];

        var one = _scheduler.Schedule(Make(), Batches(), seed: 7);
        var two = new Manager.Scheduling.Scheduler().Schedule(Make(), Batches(), seed: 7);
        var other = _scheduler.Schedule(Make(), Batches(), seed: 8);

        Assert.Equal(one.Batches.SelectMany(b => b.Assignments), two.Batches.SelectMany(b => b.Assignments));
        Assert.NotEqual(one.Batches.SelectMany(b => b.Assignments), other.Batches.SelectMany(b => b.Assignments));
    }

    [Fact]
    public void Results_come_back_in_input_order_while_big_tasks_are_placed_first()
    {
        var cluster = Cluster(Node("a", cpus: 4), Node("b", cpus: 2));
        var small = Batch(Spec("small", cpus: 1, memoryGiB: 0.1), 2);
        var big = Batch(Spec("big", cpus: 4, memoryGiB: 0.1), 1);

        var result = _scheduler.Schedule(cluster, [small, big]);

        Assert.Equal(["small", "big"], result.Batches.Select(b => b.ServiceId));
        Assert.Equal([new TaskAssignment("big-t0", "a")], result.Batches[1].Assignments);
        Assert.All(result.Batches[0].Assignments, a => Assert.Equal("b", a.NodeId));
        Assert.Equal(3, result.Placed);
    }

    [Fact]
    public void Named_generic_resources_are_handed_out_per_task()
    {
        var cluster = Cluster(Node("g", named: new Dictionary<string, IReadOnlyList<string>> { ["gpu"] = ["GPU-0", "GPU-1"] }));
        var result = _scheduler.Schedule(cluster, [Batch(Spec("ml", cpus: 0.5, generic: new Dictionary<string, long> { ["gpu"] = 1 }), 3)]).Batches[0];

        Assert.Equal(2, result.Assignments.Count);
        Assert.Equal(new NamedResourceItem("gpu", "GPU-0"), Assert.Single(result.NamedResources["ml-t0"]));
        Assert.Equal(new NamedResourceItem("gpu", "GPU-1"), Assert.Single(result.NamedResources["ml-t1"]));
        Assert.Equal("no suitable node (1 node: insufficient generic resource gpu)", result.Explanation!.Message);
    }

    [Fact]
    public void A_task_pending_twice_is_refused_before_anything_is_placed()
    {
        var cluster = Cluster(Node("a"));
        var spec = Spec("web");

        var e = Assert.Throws<ArgumentException>(() => _scheduler.Schedule(cluster, [new TaskBatch(spec, ["t1"]), new TaskBatch(spec, ["t1"])]));

        Assert.Equal("service web: task t1 is pending twice in this round; allowed: each task once", e.Message);
        Assert.Equal(0, cluster.Find("a")!.TaskCount);
    }
}
