namespace ClusterKit.Scheduler.Tests.Properties;

/// <summary>
/// Counter-checks of <see cref="PlacementProperties"/>: over a fresh sample of seeds, the scenarios are many and
/// different, and what each property asserts is actually exercised (tasks placed where a rule could have been broken),
/// so that a property cannot pass by having nothing to look at.
/// </summary>
public sealed class ScenarioCoverageTests
{
    private const int Samples = 200;

    [Fact]
    public void Seeds_come_from_the_whole_range_and_differ_from_run_to_run()
    {
        var seeds = ScenarioSeeds.Sample(Samples);

        Assert.All(seeds, s => Assert.True(s >= 0));
        Assert.True(seeds.Distinct().Count() > Samples * 9 / 10, $"only {seeds.Distinct().Count()} distinct seeds in {Samples}");
        Assert.True(seeds.Max() > 1_000_000, $"largest seed {seeds.Max()}");
        Assert.NotEqual(seeds, ScenarioSeeds.Sample(Samples));
    }

    [Theory]
    [InlineData(ScenarioFocus.Constraint)]
    [InlineData(ScenarioFocus.HostPort)]
    [InlineData(ScenarioFocus.MaxReplicas)]
    [InlineData(ScenarioFocus.Global)]
    [InlineData(ScenarioFocus.UnavailableNode)]
    public void Most_focused_scenarios_place_tasks_of_the_batch_the_property_is_about(ScenarioFocus focus)
    {
        var exercised = ScenarioSeeds.Sample(Samples).Count(seed =>
        {
            var (_, _, result, _) = PlacementProperties.Run(seed, focus);
            return focus == ScenarioFocus.UnavailableNode ? result.Batches.Any(b => b.Assignments.Count > 0) : result.Batches[0].Assignments.Count > 0;
        });

        Assert.True(exercised > Samples / 2, $"{focus}: only {exercised} of {Samples} scenarios placed a task the property checks");
    }

    [Fact]
    public void Max_replicas_limits_actually_bind_in_some_scenarios()
    {
        // A limit that never stops a placement would make the property pass whatever the scheduler does with it.
        var bound = ScenarioSeeds.Sample(Samples).Count(seed =>
        {
            var (_, after, result, _) = PlacementProperties.Run(seed, ScenarioFocus.MaxReplicas);
            var batch = result.Batches[0];
            return after.Nodes.Any(n => n.TasksOf(batch.ServiceId) == batch.Batch.Spec.MaxReplicasPerNode);
        });

        Assert.True(bound > Samples / 10, $"the limit was reached on a node in only {bound} of {Samples} scenarios");
    }

    [Fact]
    public void Bin_pack_often_uses_strictly_fewer_nodes_than_spread_so_the_comparison_is_not_vacuous()
    {
        var fewer = 0;
        var spreadNeverMore = true;
        foreach (var seed in ScenarioSeeds.Sample(Samples))
        {
            var (packed, _, spread, _) = PlacementProperties.RunBothStrategies(seed);
            fewer += PlacementProperties.NodesInUse(packed) < PlacementProperties.NodesInUse(spread) ? 1 : 0;
            spreadNeverMore &= PlacementProperties.NodesInUse(spread) <= PlacementProperties.NodesInUse(packed);
        }

        Assert.True(fewer > Samples / 2, $"bin-pack used fewer nodes than spread in only {fewer} of {Samples} scenarios");

        // The reverse claim fails on these scenarios: the property can tell the strategies apart.
        Assert.False(spreadNeverMore);
    }
}
