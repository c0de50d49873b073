using ClusterKit.TestKit;
using ClusterKit.Worker.Cgroups.V2;

namespace ClusterKit.Worker.Cgroups.Tests.V2;

public sealed class CpuV2Tests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void One_and_a_half_cpus_and_shares_become_cpu_max_and_weight()
    {
        var dir = CgroupFiles.V2(_temp.Combine("c"));

        new CpuV2().Apply(dir, new ResourceLimits(NanoCpus: 1_500_000_000, CpuShares: 512));

        Assert.Equal("150000 100000", CgroupFiles.Read(dir, "cpu.max"));
        Assert.Equal("20", CgroupFiles.Read(dir, "cpu.weight"));
    }

    [Fact]
    public void No_limit_writes_max_and_the_default_weight()
    {
        var dir = CgroupFiles.V2(_temp.Combine("c"));
        CgroupFiles.Write(dir, "cpu.max", "50000 100000\n");

        new CpuV2().Apply(dir, ResourceLimits.None);

        Assert.Equal("max 100000", CgroupFiles.Read(dir, "cpu.max"));
        Assert.Equal("100", CgroupFiles.Read(dir, "cpu.weight"));
    }

    [Fact]
    public void Cpu_stat_usage_usec_becomes_nanoseconds()
    {
        var dir = CgroupFiles.V2(_temp.Combine("c"));
        var usage = new ResourceUsageBuilder();

        new CpuStatV2().ReadUsage(dir, usage);

        Assert.Equal(2_500_123_000UL, usage.CpuUsageNanos);
    }
}
