using ClusterKit.TestKit;
using ClusterKit.Worker.Cgroups.V1;

namespace ClusterKit.Worker.Cgroups.Tests.V1;

public sealed class MemoryV1Tests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly MemoryV1 _memory = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Limit_writes_limit_in_bytes_and_turns_swappiness_off()
    {
        var dir = CgroupFiles.V1Memory(_temp.Combine("c"));

        _memory.Apply(dir, new ResourceLimits(MemoryBytes: 64L << 20));

        Assert.Equal("67108864", CgroupFiles.Read(dir, "memory.limit_in_bytes"));
        Assert.Equal("0", CgroupFiles.Read(dir, "memory.swappiness"));
    }

    [Fact]
    public void No_limit_writes_minus_one_and_leaves_swappiness()
    {
        var dir = CgroupFiles.V1Memory(_temp.Combine("c"));

        _memory.Apply(dir, ResourceLimits.None);

        Assert.Equal("-1", CgroupFiles.Read(dir, "memory.limit_in_bytes"));
        Assert.Equal("60\n", CgroupFiles.Read(dir, "memory.swappiness"));
    }

    [Fact]
    public void Missing_swappiness_is_not_an_error()
    {
        var dir = CgroupFiles.V1Memory(_temp.Combine("c"));
        File.Delete(Path.Combine(dir, "memory.swappiness"));

        _memory.Apply(dir, new ResourceLimits(MemoryBytes: 16L << 20));

        Assert.Equal("16777216", CgroupFiles.Read(dir, "memory.limit_in_bytes"));
    }

    [Fact]
    public void Usage_subtracts_total_inactive_file_and_reports_no_limit_as_zero()
    {
        var dir = CgroupFiles.V1Memory(_temp.Combine("c"));
        var usage = new ResourceUsageBuilder();

        _memory.ReadUsage(dir, usage);

        Assert.Equal(12582912UL - 3145728UL, usage.MemoryUsageBytes);
        Assert.Equal(0UL, usage.MemoryLimitBytes);
    }

    [Fact]
    public void Usage_reports_the_limit_in_force()
    {
        var dir = CgroupFiles.V1Memory(_temp.Combine("c"));
        CgroupFiles.Write(dir, "memory.limit_in_bytes", "16777216\n");
        var usage = new ResourceUsageBuilder();

        _memory.ReadUsage(dir, usage);

        Assert.Equal(16777216UL, usage.MemoryLimitBytes);
    }

    [Fact]
    public void Oom_kills_come_from_oom_control()
    {
        var dir = CgroupFiles.V1Memory(_temp.Combine("c"), "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");

        Assert.Equal(3UL, _memory.OomKills(dir));
    }

    [Fact]
    public void Without_the_oom_kill_counter_failcnt_is_the_hint()
    {
        var dir = CgroupFiles.V1Memory(_temp.Combine("c"), "oom_kill_disable 0\nunder_oom 0\n");
        Assert.Equal(0UL, _memory.OomKills(dir));

        CgroupFiles.Write(dir, "memory.failcnt", "17\n");
        Assert.Equal(1UL, _memory.OomKills(dir));
    }

    [Fact]
    public void A_write_to_a_missing_file_names_the_file_and_value()
    {
        var dir = Directory.CreateDirectory(_temp.Combine("empty")).FullName;

        var error = Assert.Throws<CgroupException>(() => _memory.Apply(dir, new ResourceLimits(MemoryBytes: 16L << 20)));

        Assert.Contains($"cannot write '16777216' to {dir}/memory.limit_in_bytes", error.Message, StringComparison.Ordinal);
    }
}
