using ClusterKit.Manager.Scheduling;
using FsCheck.Xunit;

namespace ClusterKit.Scheduler.Tests.Properties;

/// <summary>
/// Properties over random scenarios, one per <see cref="ScenarioSeed"/> (the whole int range, new on every run). Each
/// property's scenario is made to contain what it is about (<see cref="ScenarioFocus"/>), and each asserts on every
/// node or batch of every case; <see cref="ScenarioCoverageTests"/> checks that the cases exercise what is asserted.
/// </summary>
[Properties(Arbitrary = [typeof(ScenarioSeeds)])]
public sealed class PlacementProperties
{
    internal static (ClusterState Before, ClusterState After, ScheduleResult Result, RandomScenario Scenario) Run(int seed, ScenarioFocus focus = ScenarioFocus.None)
    {
        var scenario = RandomScenario.Create(seed, allowGlobal: true, focus: focus);
        var after = scenario.BuildCluster();
        var result = new Manager.Scheduling.Scheduler().Schedule(after, scenario.Batches, (ulong)seed);
        return (scenario.BuildCluster(), after, result, scenario);
    }

    internal static (ClusterState Packed, ScheduleResult PackedResult, ClusterState Spread, ScheduleResult SpreadResult) RunBothStrategies(int seed)
    {
        var binPack = RandomScenario.CreateRoomy(seed, PlacementStrategy.BinPack);
        var spread = RandomScenario.CreateRoomy(seed, PlacementStrategy.Spread);
        var packedCluster = binPack.BuildCluster();
        var spreadCluster = spread.BuildCluster();
        var packed = new Manager.Scheduling.Scheduler().Schedule(packedCluster, binPack.Batches, 1);
        var spreadOut = new Manager.Scheduling.Scheduler().Schedule(spreadCluster, spread.Batches, 1);
        return (packedCluster, packed, spreadCluster, spreadOut);
    }

    internal static int NodesInUse(ClusterState cluster) => cluster.Nodes.Count(n => n.TaskCount > 0);

    [Property(MaxTest = 300)]
    public void Never_exceeds_reservable_cpu_memory_or_generic_resources(ScenarioSeed seed)
    {
        var (_, after, _, _) = Run(seed.Value);

        foreach (var node in after.Nodes)
        {
            Assert.True(node.AvailableNanoCpus >= 0, $"node {node.Id} cpu over by {-node.AvailableNanoCpus}");
            Assert.True(node.AvailableMemoryBytes >= 0, $"node {node.Id} memory over by {-node.AvailableMemoryBytes}");
            Assert.True(node.AvailableGeneric("gpu") >= 0, $"node {node.Id} gpu over");
        }
    }

    [Property(MaxTest = 300)]
    public void Every_placement_meets_constraints_and_platform(ScenarioSeed seed)
    {
        var (_, after, result, scenario) = Run(seed.Value, ScenarioFocus.Constraint);
        Assert.NotEmpty(scenario.Batches[0].Spec.Constraints);

        foreach (var batch in result.Batches)
        {
            var spec = batch.Batch.Spec;
            foreach (var node in after.Nodes)
            {
                var placedHere = batch.Assignments.Count(a => a.NodeId == node.Id);
                var meets = spec.Constraints.All(c => c.IsMetBy(node)) && (spec.Platforms.Count == 0 || spec.Platforms.Any(p => p.Accepts(node.Description.Platform)));
                Assert.True(placedHere == 0 || meets, $"{placedHere} task(s) of {spec.ServiceId} on {node.Id}, which breaks its constraints or platforms");
            }
        }
    }

    [Property(MaxTest = 300)]
    public void Host_ports_are_unique_per_node_and_protocol(ScenarioSeed seed)
    {
        var (_, after, _, scenario) = Run(seed.Value, ScenarioFocus.HostPort);
        Assert.NotEmpty(scenario.Batches[0].Spec.HostPorts);

        foreach (var node in after.Nodes)
        {
            var held = node.Tasks.SelectMany(t => t.Demand.HostPorts).GroupBy(p => p);
            Assert.All(held, g => Assert.True(g.Count() == 1, $"node {node.Id} has {g.Count()} tasks on {g.Key}"));
        }
    }

    [Property(MaxTest = 300)]
    public void Max_replicas_per_node_is_respected(ScenarioSeed seed)
    {
        var (before, after, result, _) = Run(seed.Value, ScenarioFocus.MaxReplicas);
        var limited = result.Batches.Where(b => b.Batch.Spec.MaxReplicasPerNode > 0).ToList();
        Assert.NotEmpty(limited);

        foreach (var batch in limited)
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
    public void Drained_paused_and_down_nodes_get_nothing_new(ScenarioSeed seed)
    {
        var (_, after, result, _) = Run(seed.Value, ScenarioFocus.UnavailableNode);
        Assert.False(after.Nodes[0].Description is { State: NodeState.Ready, Availability: NodeAvailability.Active });

        foreach (var node in after.Nodes)
        {
            var placedHere = result.Batches.Sum(b => b.Assignments.Count(a => a.NodeId == node.Id));
            var usable = node.Description is { State: NodeState.Ready, Availability: NodeAvailability.Active };
            Assert.True(placedHere == 0 || usable, $"{placedHere} new task(s) on {node.Id}, which is {node.Description.State} and {node.Description.Availability}");
        }
    }

    [Property(MaxTest = 300)]
    public void Global_service_runs_once_on_every_eligible_node_with_room(ScenarioSeed seed)
    {
        var (_, after, result, _) = Run(seed.Value, ScenarioFocus.Global);
        var globals = result.Batches.Where(b => b.Batch.Spec.Mode == ServiceMode.Global).ToList();
        Assert.NotEmpty(globals);

        foreach (var batch in globals)
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
        }
    }

    [Property(MaxTest = 200)]
    public void Same_input_and_seed_give_the_same_placement(ScenarioSeed seed)
    {
        var (_, _, one, _) = Run(seed.Value);
        var (_, _, two, _) = Run(seed.Value);

        Assert.Equal(one.Batches.SelectMany(b => b.Assignments), two.Batches.SelectMany(b => b.Assignments));
        Assert.Equal(one.Batches.Select(b => b.Explanation?.Message), two.Batches.Select(b => b.Explanation?.Message));
    }

    [Property(MaxTest = 200)]
    public void Every_task_is_either_placed_or_explained(ScenarioSeed seed)
    {
        var (_, _, result, _) = Run(seed.Value);

        foreach (var batch in result.Batches)
        {
            Assert.Equal(batch.Batch.TaskIds.Order(StringComparer.Ordinal), batch.Assignments.Select(a => a.TaskId).Concat(batch.Unplaced.Select(u => u.TaskId)).Order(StringComparer.Ordinal));
            Assert.All(batch.Unplaced, u => Assert.StartsWith("no suitable node (", u.Explanation.Message, StringComparison.Ordinal));
        }
    }

    [Property(MaxTest = 200)]
    public void Bin_pack_uses_no_more_nodes_than_spread(ScenarioSeed seed)
    {
        var (packedCluster, packed, spreadCluster, spreadOut) = RunBothStrategies(seed.Value);

        // The roomy scenario has capacity for every task on any node: both strategies place everything, every case.
        Assert.Equal(0, packed.Unplaced);
        Assert.Equal(0, spreadOut.Unplaced);
        Assert.True(NodesInUse(packedCluster) <= NodesInUse(spreadCluster), $"bin-pack uses {NodesInUse(packedCluster)} nodes, spread {NodesInUse(spreadCluster)}");
    }

    [Property(MaxTest = 200)]
    public void Removing_every_placed_task_restores_the_cluster(ScenarioSeed seed)
    {
        var (before, after, result, _) = Run(seed.Value);

        foreach (var (_, a) in result.Batches.SelectMany(b => b.Assignments.Select(a => (b, a))))
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
