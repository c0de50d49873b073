using ClusterKit.Shared.Parsing;

namespace ClusterKit.Shared.Tests.Parsing;

public sealed class CpuQuantityTests
{
    [Theory]
    [InlineData("0.5", 500_000_000L)]
    [InlineData("2", 2_000_000_000L)]
    [InlineData("0.001", 1_000_000L)]
    public void Converts_cpus_to_nano_cpus(string text, long nanos) => Assert.Equal(nanos, CpuQuantity.ParseNanoCpus(text));

    [Theory]
    [InlineData("half")]
    [InlineData("-1")]
    [InlineData("0.0000000001")]
    public void Rejects_bad_cpu_amounts(string text) =>
        Assert.Contains($"'{text}'", Assert.Throws<SpecFormatException>(() => CpuQuantity.ParseNanoCpus(text)).Message, StringComparison.Ordinal);
}
