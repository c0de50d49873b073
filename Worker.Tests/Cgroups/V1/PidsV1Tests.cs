using ClusterKit.TestKit;
using ClusterKit.Worker.Cgroups.V1;

namespace ClusterKit.Worker.Cgroups.Tests.V1;

public sealed class PidsV1Tests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(10, "10")]
    [InlineData(0, "max")]
    [InlineData(-1, "max")]
    public void Writes_pids_max(long limit, string expected)
    {
        var dir = CgroupFiles.V1Pids(_temp.Combine("c"));

        new PidsV1().Apply(dir, new ResourceLimits(PidsLimit: limit));

        Assert.Equal(expected, CgroupFiles.Read(dir, "pids.max"));
    }

    [Fact]
    public void Reads_current_and_limit()
    {
        var dir = CgroupFiles.V1Pids(_temp.Combine("c"));
        CgroupFiles.Write(dir, "pids.max", "10\n");
        var usage = new ResourceUsageBuilder();

        new PidsV1().ReadUsage(dir, usage);

        Assert.Equal(2UL, usage.PidsCurrent);
        Assert.Equal(10UL, usage.PidsLimit);
    }

    [Fact]
    public void Garbage_in_a_counter_is_reported_with_the_file()
    {
        var dir = CgroupFiles.V1Pids(_temp.Combine("c"));
        CgroupFiles.Write(dir, "pids.current", "lots\n");

        var error = Assert.Throws<CgroupException>(() => new PidsV1().ReadUsage(dir, new ResourceUsageBuilder()));

        Assert.Equal($"unexpected value 'lots' in {dir}/pids.current: expected an unsigned number", error.Message);
    }
}
