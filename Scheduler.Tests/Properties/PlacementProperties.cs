using ClusterKit.Manager.Scheduling;
using FsCheck.Xunit;

namespace ClusterKit.Scheduler.Tests.Properties;

public sealed class PlacementProperties
{
    private static (ClusterState Before, ClusterState After, ScheduleResult Result, RandomScenario Scenario) Run(int seed, bool allowGlobal = true)
    {
        var scenario = RandomScenario.Create(seed, allowGlobal);
        var after = scenario.BuildCluster();
        var result = new Manager.Scheduling.Scheduler().Schedule(after, scenario.Batches, (ulong)seed);
        return (scenario.BuildCluster(), after, result, scenario);
    }

    private static IEnumerable<(BatchResult Batch, TaskAssignment Assignment)> Assignments(ScheduleResult result) =>
        result.Batches.SelectMany(b => b.Assignments.Select(a => (b, a)));

    [Property(MaxTest = 300)]
    public void Never_exceeds_reservable_cpu_memory_or_generic_resources(int seed)
    {
        var (_, after, _, _) = Run(seed);

        foreach (var node in after.Nodes)
        {
            Assert.True(node.AvailableNanoCpus >= 0, $"node {node.Id} cpu over by {-node.AvailableNanoCpus}");
            Assert.True(node.AvailableMemoryBytes >= 0, $"node {node.Id} memory over by {-node.AvailableMemoryBytes}");
            Assert.True(node.AvailableGeneric("gpu") >= 0, $"node {node.Id} gpu over");
        }
    }

    [Property(MaxTest = 300)]
    public void Every_placement_meets_constraints_and_platform(int seed)
    {
        var (_, after, result, _) = Run(seed);

        foreach (var (batch, a) in Assignments(result))
        {
            var node = after.Find(a.NodeId)!;
            Assert.All(batch.Batch.Spec.Constraints, c => Assert.True(c.IsMetBy(node), $"{a.TaskId} on {a.NodeId} breaks {c}"));
            Assert.True(batch.Batch.Spec.Platforms.Count == 0 || batch.Batch.Spec.Platforms.Any(p => p.Accepts(node.Description.Platform)));
        }
    }

    [Property(MaxTest = 300)]
    public void Host_ports_are_unique_per_node_and_protocol(int seed)
    {
        var (_, after, _, _) = Run(seed);

        foreach (var node in after.Nodes)
        {
            var held = node.Tasks.SelectMany(t => t.Demand.HostPorts).GroupBy(p => p);
            Assert.All(held, g => Assert.True(g.Count() == 1, $"node {node.Id} has {g.Count()} tasks on {g.Key}"));
        }
    }

    [Property(MaxTest = 300)]
    public void Max_replicas_per_node_is_respected(int seed)
    {
        var (before, after, result, _) = Run(seed);

        foreach (var batch in result.Batches.Where(b => b.Batch.Spec.MaxReplicasPerNode > 0))
        {
            foreach (var node in after.Nodes)
            {
                var placedHere = batch.Assignments.Count(a => a.NodeId == node.Id);
                Assert.True(placedHere == 0 || node.TasksOf(batch.ServiceId) <= batch.Batch.Spec.MaxReplicasPerNode);
                Assert.True(placedHere + before.Find(node.Id)!.TasksOf(batch.ServiceId) <= Math.Max(batch.Batch.Spec.MaxReplicasPerNode, before.Find(node.Id)!.TasksOf(batch.ServiceId)));
            }
        }
    }

    [Property(MaxTest = 300)]
    public void Drained_paused_and_down_nodes_get_nothing_new(int seed)
    {
        var (_, after, result, _) = Run(seed);

        foreach (var (_, a) in Assignments(result))
        {
            var d = after.Find(a.NodeId)!.Description;
            Assert.Equal(NodeState.Ready, d.State);
            Assert.Equal(NodeAvailability.Active, d.Availability);
        }
    }

    [Property(MaxTest = 300)]
    public void Global_service_runs_once_on_every_eligible_node_with_room(int seed)
    {
        var (before, after, result, _) = Run(seed);

        foreach (var batch in result.Batches.Where(b => b.Batch.Spec.Mode == ServiceMode.Global))
        {
            var spec = batch.Batch.Spec;
            foreach (var node in after.Nodes)
            {
                Assert.True(batch.Assignments.Count(a => a.NodeId == node.Id) <= 1);
                var eligible = node.Description is { State: NodeState.Ready, Availability: NodeAvailability.Active }
                    && spec.Constraints.All(c => c.IsMetBy(node))
                    && (spec.Platforms.Count == 0 || spec.Platforms.Any(p => p.Accepts(node.Description.Platform)));
                if (eligible && batch.Unplaced.Count > 0)
                {
                    // Tasks stayed pending, so an eligible node without the service must lack room or a port.
                    Assert.True(node.TasksOf(spec.ServiceId) == 1 || batch.GlobalNodesWithoutTask.Contains(node.Id));
                }

                Assert.Equal(eligible && node.TasksOf(spec.ServiceId) == 0, batch.GlobalNodesWithoutTask.Contains(node.Id));
            }

            Assert.Equal(batch.Assignments.Count + batch.Unplaced.Count, batch.Batch.TaskIds.Count);
            _ = before;
        }
    }

    [Property(MaxTest = 200)]
    public void Same_input_and_seed_give_the_same_placement(int seed)
    {
        var (_, _, one, _) = Run(seed);
        var (_, _, two, _) = Run(seed);

        Assert.Equal(one.Batches.SelectMany(b => b.Assignments), two.Batches.SelectMany(b => b.Assignments));
        Assert.Equal(one.Batches.Select(b => b.Explanation?.Message), two.Batches.Select(b => b.Explanation?.Message));
    }

    [Property(MaxTest = 200)]
    public void Every_task_is_either_placed_or_explained(int seed)
    {
        var (_, _, result, _) = Run(seed);

        foreach (var batch in result.Batches)
        {
            Assert.Equal(batch.Batch.TaskIds.Order(StringComparer.Ordinal), batch.Assignments.Select(a => a.TaskId).Concat(batch.Unplaced.Select(u => u.TaskId)).Order(StringComparer.Ordinal));
            Assert.All(batch.Unplaced, u => Assert.StartsWith("no suitable node (", u.Explanation.Message, StringComparison.Ordinal));
        }
    }

    [Property(MaxTest = 200)]
    public void Bin_pack_uses_no_more_nodes_than_spread(int seed)
    {
        var binPack = RandomScenario.Create(seed, allowGlobal: false, PlacementStrategy.BinPack);
        var spread = RandomScenario.Create(seed, allowGlobal: false, PlacementStrategy.Spread);
        var packedCluster = binPack.BuildCluster();
        var spreadCluster = spread.BuildCluster();

        var packed = new Manager.Scheduling.Scheduler().Schedule(packedCluster, binPack.Batches, 1);
        var spreadOut = new Manager.Scheduling.Scheduler().Schedule(spreadCluster, spread.Batches, 1);

        // Only comparable when both placed everything; otherwise bin-pack may use nodes for tasks spread could not place.
        if (packed.Unplaced == 0 && spreadOut.Unplaced == 0)
        {
            Assert.True(packedCluster.Nodes.Count(n => n.TaskCount > 0) <= spreadCluster.Nodes.Count(n => n.TaskCount > 0));
        }
    }

    [Property(MaxTest = 200)]
    public void Removing_every_placed_task_restores_the_cluster(int seed)
    {
        var (before, after, result, _) = Run(seed);

        foreach (var (_, a) in Assignments(result))
        {
            Assert.True(after.RemoveTask(a.NodeId, a.TaskId));
        }

        foreach (var node in after.Nodes)
        {
            var was = before.Find(node.Id)!;
            Assert.Equal(was.AvailableNanoCpus, node.AvailableNanoCpus);
            Assert.Equal(was.AvailableMemoryBytes, node.AvailableMemoryBytes);
            Assert.Equal(was.AvailableGeneric("gpu"), node.AvailableGeneric("gpu"));
            Assert.Equal(was.FreeNamedGeneric("gpu"), node.FreeNamedGeneric("gpu"));
            Assert.Equal(was.Services, node.Services);
            Assert.Equal(was.TaskCount, node.TaskCount);
        }
    }
}
