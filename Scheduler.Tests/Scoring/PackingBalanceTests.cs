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
}
