using ClusterKit.Manager.Scheduling;
using ClusterKit.Manager.Scheduling.Filters;
using ClusterKit.Manager.Scheduling.Placement;
using ClusterKit.Manager.Scheduling.Scoring;
using static ClusterKit.Scheduler.Tests.TestCluster;

namespace ClusterKit.Scheduler.Tests.Scoring;

public sealed class PackingBalanceTests
{
    [Fact]
    public void Target_is_the_rounds_demand_shape_scaled_to_one()
    {
        var cluster = Cluster(Node("a", cpus: 10, memoryGiB: 10), Node("b", cpus: 10, memoryGiB: 10));
        cluster.AddTask("a", "old", new TaskDemand("x", 4 * Core, 2 * GiB));

        var target = PackingTarget.For(cluster.Nodes, [Batch(Spec("web", cpus: 1, memoryGiB: 0.2), 10)]);

        Assert.Equal(1.0, target.Cpu, 9);
        Assert.Equal(4.0 / 14, target.Memory, 6);
        Assert.Equal(0.5 - (0.5 * 4 / 14), target.Stray(0.5, 0.5), 6);
        Assert.Equal(0.0, target.Stray(0.7, 0.2), 6);
    }

    [Fact]
    public void A_placement_that_would_strand_memory_ranks_below_any_balanced_one()
    {
        var full = new NodeInfo(Node("full", cpus: 10, memoryGiB: 10));
        full.AddTask("old", new TaskDemand("x", 6 * Core, GiB / 2));
        var empty = new NodeInfo(Node("empty", cpus: 10, memoryGiB: 10));
        var batch = new BatchContext(Spec("web", cpus: 1, memoryGiB: 0.1));

        var balanced = new NodeScorer(batch, 1, PackingTarget.Even, slack: 0.3);
        var plain = new NodeScorer(batch, 1, PackingTarget.Even, slack: 0);

        Assert.True(plain.Score(full) > plain.Score(empty));
        Assert.True(balanced.Score(full) < balanced.Score(empty));
        Assert.True(balanced.Score(full) < 0);
    }

    [Fact]
    public void Alignment_is_the_cosine_between_the_task_and_the_room_left()
    {
        var node = new NodeInfo(Node("n", cpus: 10, memoryGiB: 10));
        var scorer = new NodeScorer(new BatchContext(Spec("web", cpus: 0.1, memoryGiB: 1)), 1, PackingTarget.Even, 0.5);

        Assert.Equal(1.0, scorer.Alignment(node, 0.05, 0.5), 9);
        Assert.Equal(1.0, scorer.Alignment(node, 0, 0), 9);
        Assert.True(scorer.Alignment(node, 0.49, 0.8) > 0.85);
        Assert.True(scorer.Alignment(node, 0.89, 0.2) < 0.35);
    }

    [Fact]
    public void Among_open_nodes_bin_pack_prefers_the_one_whose_free_room_matches_the_task()
    {
        // Both nodes are inside the (wide) cone; plain BestFit takes the fuller one, which would
        // be left with CPU no memory-heavy task can use. Alignment sends the task to the node with
        // memory to spare.
        var cpuUsed = new NodeInfo(Node("cpu-used", cpus: 10, memoryGiB: 10));
        cpuUsed.AddTask("old-1", new TaskDemand("x", 5 * Core, GiB));
        var memoryUsed = new NodeInfo(Node("memory-used", cpus: 10, memoryGiB: 10));
        memoryUsed.AddTask("old-2", new TaskDemand("x", 1 * Core, 7 * GiB));
        var batch = new BatchContext(Spec("web", cpus: 0.1, memoryGiB: 1));

        var aligned = new NodeScorer(batch, 1, PackingTarget.Even, slack: 10);
        var plain = new NodeScorer(batch, 1, PackingTarget.Even, slack: 0);

        Assert.True(plain.Score(memoryUsed) > plain.Score(cpuUsed));
        Assert.True(aligned.Score(cpuUsed) > aligned.Score(memoryUsed));
    }

    [Fact]
    public void A_task_that_brings_an_off_balance_node_back_keeps_the_upper_tier()
    {
        var cpuHeavy = new NodeInfo(Node("cpu-heavy", cpus: 10, memoryGiB: 10));
        cpuHeavy.AddTask("old", new TaskDemand("x", 6 * Core, GiB / 2));
        var empty = new NodeInfo(Node("empty", cpus: 10, memoryGiB: 10));
        var memoryTask = new NodeScorer(new BatchContext(Spec("db", cpus: 0.1, memoryGiB: 1)), 1, PackingTarget.Even, 0.5);
        var cpuTask = new NodeScorer(new BatchContext(Spec("web", cpus: 1, memoryGiB: 0.1)), 1, PackingTarget.Even, 0.5);

        Assert.True(memoryTask.Score(cpuHeavy) > 0);
        Assert.True(memoryTask.Score(cpuHeavy) > memoryTask.Score(empty));
        Assert.True(cpuTask.Score(cpuHeavy) < 0);
    }

    [Fact]
    public void Spread_ignores_the_balance_tier()
    {
        var full = new NodeInfo(Node("full", cpus: 10, memoryGiB: 10));
        full.AddTask("old", new TaskDemand("x", 6 * Core, GiB / 2));
        var scorer = new NodeScorer(new BatchContext(Spec("web", cpus: 1, memoryGiB: 0.1, strategy: PlacementStrategy.Spread)), 1, PackingTarget.Even, 0.3);

        Assert.True(scorer.Score(full) >= 0);
    }

    [Fact]
    public void Order_puts_global_first_then_alternates_cpu_and_memory_leaning_biggest_first()
    {
        var nodes = Cluster(Node("a", cpus: 10, memoryGiB: 10)).Nodes;
        TaskBatch[] batches =
        [
            Batch(Spec("c2", cpus: 1, memoryGiB: 0.1), 10),
            Batch(Spec("m1", cpus: 0.1, memoryGiB: 1.5), 10),
            Batch(Spec("c1", cpus: 2, memoryGiB: 0.2), 10),
            Batch(Spec("g", cpus: 0.1, memoryGiB: 0.1, mode: ServiceMode.Global), 1),
        ];

        var order = BatchOrder.For(batches, nodes, PackingTarget.For(nodes, batches));

        Assert.Equal(["g", "c1", "m1", "c2"], order.Select(i => batches[i].Spec.ServiceId));
    }

    [Fact]
    public void Order_places_host_port_batches_right_after_global_ones()
    {
        var nodes = Cluster(Node("a", cpus: 10, memoryGiB: 10)).Nodes;
        TaskBatch[] batches =
        [
            Batch(Spec("big", cpus: 2, memoryGiB: 0.2), 10),
            Batch(Spec("port", cpus: 0.1, memoryGiB: 0.1, ports: [new HostPort(8080, PortProtocol.Tcp)]), 1),
            Batch(Spec("g", cpus: 0.1, memoryGiB: 0.1, mode: ServiceMode.Global), 1),
        ];

        var order = BatchOrder.For(batches, nodes, PackingTarget.For(nodes, batches));

        Assert.Equal(["g", "port", "big"], order.Select(i => batches[i].Spec.ServiceId));
    }
}
