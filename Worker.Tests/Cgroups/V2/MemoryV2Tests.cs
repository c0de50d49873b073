using ClusterKit.TestKit;
using ClusterKit.Worker.Cgroups.V2;

namespace ClusterKit.Worker.Cgroups.Tests.V2;

public sealed class MemoryV2Tests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly MemoryV2 _memory = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Limit_writes_memory_max_and_no_swap()
    {
        var dir = CgroupFiles.V2(_temp.Combine("c"));

        _memory.Apply(dir, new ResourceLimits(MemoryBytes: 64L << 20));

        Assert.Equal("67108864", CgroupFiles.Read(dir, "memory.max"));
        Assert.Equal("0", CgroupFiles.Read(dir, "memory.swap.max"));
    }

    [Fact]
    public void No_limit_writes_max_to_both()
    {
        var dir = CgroupFiles.V2(_temp.Combine("c"));
        CgroupFiles.Write(dir, "memory.max", "67108864\n");
        CgroupFiles.Write(dir, "memory.swap.max", "0\n");

        _memory.Apply(dir, ResourceLimits.None);

        Assert.Equal("max", CgroupFiles.Read(dir, "memory.max"));
        Assert.Equal("max", CgroupFiles.Read(dir, "memory.swap.max"));
    }

    [Fact]
    public void Without_swap_accounting_only_memory_max_is_written()
    {
        var dir = CgroupFiles.V2(_temp.Combine("c"), swap: false);

        _memory.Apply(dir, new ResourceLimits(MemoryBytes: 16L << 20));

        Assert.Equal("16777216", CgroupFiles.Read(dir, "memory.max"));
        Assert.False(File.Exists(Path.Combine(dir, "memory.swap.max")));
    }

    [Fact]
    public void Usage_subtracts_inactive_file()
    {
        var dir = CgroupFiles.V2(_temp.Combine("c"));
        CgroupFiles.Write(dir, "memory.max", "67108864\n");
        var usage = new ResourceUsageBuilder();

        _memory.ReadUsage(dir, usage);

        Assert.Equal(12582912UL - 2097152UL, usage.MemoryUsageBytes);
        Assert.Equal(67108864UL, usage.MemoryLimitBytes);
    }

    [Fact]
    public void Oom_kills_come_from_memory_events()
    {
        var dir = CgroupFiles.V2(_temp.Combine("c"));
        Assert.Equal(0UL, _memory.OomKills(dir));

        CgroupFiles.Write(dir, "memory.events", "low 0\nhigh 0\nmax 31\noom 2\noom_kill 2\noom_group_kill 0\n");
        Assert.Equal(2UL, _memory.OomKills(dir));
    }
}
