using ClusterKit.Manager.Scheduling;
using ClusterKit.Manager.Scheduling.Filters;
using ClusterKit.Manager.Scheduling.Placement;
using ClusterKit.Manager.Scheduling.Scoring;
using static ClusterKit.Scheduler.Tests.TestCluster;

namespace ClusterKit.Scheduler.Tests.Scoring;

public sealed class PackingPlanTests
{
    private static readonly ulong[] ByIndex = [.. Enumerable.Range(0, 16).Select(i => (ulong)i)];

    [Fact]
    public void Shape_is_the_replicated_bin_pack_demand_scaled_to_one()
    {
        var cluster = Cluster(Node("a", cpus: 10, memoryGiB: 10), Node("b", cpus: 10, memoryGiB: 10), Node("down", state: NodeState.Down));
        cluster.AddTask("a", "old", new TaskDemand("x", 4 * Core, 2 * GiB));

        var shape = PackingShape.For(cluster.Nodes, [
            Batch(Spec("web", cpus: 1, memoryGiB: 0.2), 10),
            Batch(Spec("spread", cpus: 5, strategy: PlacementStrategy.Spread), 2),
            Batch(Spec("agent", cpus: 5, mode: ServiceMode.Global), 2),
        ]);

        // Pending bin-pack only (10 cores, 2 GiB), against the ready nodes' 20 cores and 20 GiB.
        Assert.Equal(1.0, shape.Cpu, 9);
        Assert.Equal(0.2, shape.Memory, 6);
        Assert.Equal(10.0 * Core, shape.DemandNanoCpus, 3);
        Assert.Equal(10 * (long)(0.2 * GiB), shape.DemandMemoryBytes, 3);
    }

    [Fact]
    public void Room_counts_how_much_of_the_mix_a_node_still_holds()
    {
        var node = new NodeInfo(Node("n", cpus: 10, memoryGiB: 10));
        node.AddTask("old", new TaskDemand("x", 5 * Core, GiB));
        var shape = new PackingShape(1, 0.5, 0, 0);

        // 50% of the CPU and 90% of the memory are free; the mix takes memory at half the CPU rate.
        Assert.Equal(0.5, shape.Room(node, 0, 0), 9);
        Assert.Equal(0.4, shape.Room(node, Core, 0), 9);
        Assert.Equal(1.0, shape.Room(new NodeInfo(Node("empty", cpus: 10, memoryGiB: 10)), 0, 0), 9);
        Assert.Equal(0.8, new PackingShape(0.5, 1, 0, 0).Room(node, 0, GiB), 9);
    }

    [Fact]
    public void Plan_takes_the_fullest_nodes_until_they_hold_the_demand_and_the_last_keeps_the_rest()
    {
        var cluster = Cluster(Node("a"), Node("b"), Node("c"), Node("d"), Node("drained", availability: NodeAvailability.Drain));
        cluster.AddTask("b", "old", new TaskDemand("x", 2 * Core, 2 * GiB));
        var batches = new[] { Batch(Spec("web", cpus: 1, memoryGiB: 1), 5) };
        var shape = PackingShape.For(cluster.Nodes, batches);

        var plan = PackingPlan.For(cluster.Nodes, shape, ByIndex);

        // 5 cores (memory is plentiful): b, the fullest, holds 2; a, first of the empty ones in the
        // seeded order, holds 4 and keeps the quarter the round does not need.
        Assert.Equal(2, plan.PlannedNodes);
        Assert.Equal(0.0, plan.TargetRoom(1), 9);
        Assert.Equal(0.25, plan.TargetRoom(0), 9);
        Assert.Equal(double.PositiveInfinity, plan.TargetRoom(2));
        Assert.Equal(double.PositiveInfinity, plan.TargetRoom(3));
        Assert.Equal(double.PositiveInfinity, plan.TargetRoom(4));
    }

    [Fact]
    public void Planned_nodes_take_tasks_emptiest_first_and_others_only_by_fullness()
    {
        var cluster = Cluster(Node("a", cpus: 10, memoryGiB: 10), Node("b", cpus: 10, memoryGiB: 10), Node("c", cpus: 10, memoryGiB: 10));
        cluster.AddTask("a", "old", new TaskDemand("x", 6 * Core, 6 * GiB));
        var shape = new PackingShape(1, 1, 8.0 * Core, 8.0 * GiB);
        var plan = PackingPlan.For(cluster.Nodes, shape, ByIndex);
        var demand = new TaskDemand("web", Core, GiB);

        // a (4 free) and b planned; b is to keep 6 of 10. c is outside the plan and empty.
        Assert.Equal(2, plan.PlannedNodes);
        var a = NodeScorer.PlanScore(plan, cluster.Nodes[0], 0, demand);
        var b = NodeScorer.PlanScore(plan, cluster.Nodes[1], 1, demand);
        var c = NodeScorer.PlanScore(plan, cluster.Nodes[2], 2, demand);
        Assert.Equal(0.3, a, 2);
        Assert.Equal(0.3, b, 2);
        Assert.True(a > b, "equally far above their targets, the fuller node first");
        Assert.Equal(-0.1 - 0.5, c, 2);

        // A planned node at its target scores like any node in use: minus the task's size.
        cluster.AddTask("b", "fill", new TaskDemand("y", 4 * Core, 4 * GiB));
        Assert.Equal(-0.1, NodeScorer.PlanScore(plan, cluster.Nodes[1], 1, demand), 2);
    }

    [Fact]
    public void Order_puts_global_then_host_port_batches_first_then_the_biggest_task_in_the_mix()
    {
        var nodes = Cluster(Node("a", cpus: 10, memoryGiB: 10)).Nodes;
        TaskBatch[] batches =
        [
            Batch(Spec("small", cpus: 1, memoryGiB: 0.1), 10),
            Batch(Spec("port", cpus: 0.1, memoryGiB: 0.1, ports: [new HostPort(8080, PortProtocol.Tcp)]), 1),
            Batch(Spec("memory", cpus: 0.1, memoryGiB: 1.5), 10),
            Batch(Spec("cpu", cpus: 2, memoryGiB: 0.2), 10),
            Batch(Spec("g", cpus: 0.1, memoryGiB: 0.1, mode: ServiceMode.Global), 1),
        ];

        // The round asks for 31 cores and 18 GiB: memory counts 31/18 times a core's share.
        var order = BatchOrder.For(batches, nodes, PackingShape.For(nodes, batches));

        Assert.Equal(["g", "port", "memory", "cpu", "small"], order.Select(i => batches[i].Spec.ServiceId));
    }

    [Fact]
    public void Complementary_services_share_nodes_where_plain_best_fit_strands_a_resource()
    {
        ClusterState Make() => new(Enumerable.Range(0, 6).Select(i => Node($"n{i}", cpus: 10, memoryGiB: 10)));
        TaskBatch[] Round() => [Batch(Spec("cpu-heavy", cpus: 1, memoryGiB: 0.25), 20), Batch(Spec("memory-heavy", cpus: 0.25, memoryGiB: 1), 20)];

        var planned = Make();
        var plain = Make();
        new Manager.Scheduling.Scheduler().Schedule(planned, Round());
        new Manager.Scheduling.Scheduler { PlanBinPack = false }.Schedule(plain, Round());

        // 25 cores and 25 GiB: three nodes at best. BestFit fills two nodes with CPU and two with memory.
        Assert.Equal(3, planned.Nodes.Count(n => n.TaskCount > 0));
        Assert.Equal(4, plain.Nodes.Count(n => n.TaskCount > 0));
        Assert.All(planned.Nodes.Where(n => n.TaskCount > 0), n => Assert.Equal(2, n.Services.Count));
    }

    [Fact]
    public void Batch_context_is_unchanged_by_the_plan()
    {
        // The plan only scores: a batch's filters and capacity are the spec's alone.
        var context = new BatchContext(Spec("web", cpus: 1, memoryGiB: 1, maxPerNode: 2));
        Assert.Equal(2, context.MaxPerNode);
    }
}
