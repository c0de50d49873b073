namespace ClusterKit.Worker.Cgroups.Tests;

public sealed class CpuMathTests
{
    [Theory]
    [InlineData(2, 1)]
    [InlineData(1024, 39)]
    [InlineData(512, 20)]
    [InlineData(262_144, 10_000)]
    public void Shares_convert_to_weight_as_runc_does(long shares, long weight) => Assert.Equal(weight, CpuMath.SharesToWeight(shares));

    [Theory]
    [InlineData(500_000_000, 50_000)]
    [InlineData(2_000_000_000, 200_000)]
    [InlineData(10_000_000, 1_000)]
    [InlineData(1_500_000_000, 150_000)]
    public void Nano_cpus_become_a_quota_over_100ms(long nanoCpus, long quota) => Assert.Equal(quota, CpuMath.QuotaMicros(nanoCpus));
}
