using FsCheck;
using FsCheck.Fluent;

namespace ClusterKit.Scheduler.Tests.Properties;

/// <summary>
/// The seed of one random scenario, drawn from every non-negative int: FsCheck's default ints stay within about
/// ±100 (its size), and new Random(-k) equals new Random(k), so plain int seeds gave each property the same ~100
/// clusters on every run.
/// </summary>
public readonly record struct ScenarioSeed(int Value)
{
    public override string ToString() => $"seed {Value}";
}

/// <summary>FsCheck's source of <see cref="ScenarioSeed"/>s (registered with [Properties(Arbitrary = ...)]).</summary>
public static class ScenarioSeeds
{
    public static Gen<ScenarioSeed> Generator { get; } = Gen.Choose(0, int.MaxValue).Select(v => new ScenarioSeed(v));

    /// <summary>No shrinking: a smaller seed is a different scenario, not a simpler one.</summary>
    public static Arbitrary<ScenarioSeed> Seeds() => Arb.From(Generator, _ => []);

    /// <summary>A fresh sample of seeds, for the checks that the properties are not vacuous.</summary>
    public static IReadOnlyList<int> Sample(int count) => [.. Gen.Sample(Generator, count).Select(s => s.Value)];
}
