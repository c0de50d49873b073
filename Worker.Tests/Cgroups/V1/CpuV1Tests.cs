using ClusterKit.TestKit;
using ClusterKit.Worker.Cgroups.V1;

namespace ClusterKit.Worker.Cgroups.Tests.V1;

public sealed class CpuV1Tests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Half_a_cpu_is_a_50ms_quota_over_100ms_with_shares()
    {
        var dir = CgroupFiles.V1Cpu(_temp.Combine("c"));
        CgroupFiles.Write(dir, "cpu.cfs_period_us", "250000\n");

        new CpuV1().Apply(dir, new ResourceLimits(NanoCpus: 500_000_000, CpuShares: 512));

        Assert.Equal("100000", CgroupFiles.Read(dir, "cpu.cfs_period_us"));
        Assert.Equal("50000", CgroupFiles.Read(dir, "cpu.cfs_quota_us"));
        Assert.Equal("512", CgroupFiles.Read(dir, "cpu.shares"));
    }

    [Fact]
    public void No_limit_clears_the_quota_and_restores_default_shares()
    {
        var dir = CgroupFiles.V1Cpu(_temp.Combine("c"));
        CgroupFiles.Write(dir, "cpu.cfs_quota_us", "50000\n");
        CgroupFiles.Write(dir, "cpu.shares", "512\n");

        new CpuV1().Apply(dir, ResourceLimits.None);

        Assert.Equal("-1", CgroupFiles.Read(dir, "cpu.cfs_quota_us"));
        Assert.Equal("1024", CgroupFiles.Read(dir, "cpu.shares"));
    }

    [Fact]
    public void Cpuacct_reports_usage_in_nanoseconds()
    {
        var dir = CgroupFiles.V1Cpuacct(_temp.Combine("c"));
        var usage = new ResourceUsageBuilder();

        new CpuacctV1().ReadUsage(dir, usage);

        Assert.Equal(987654321UL, usage.CpuUsageNanos);
    }
}
