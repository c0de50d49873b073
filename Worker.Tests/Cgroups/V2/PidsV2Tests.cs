using ClusterKit.TestKit;
using ClusterKit.Worker.Cgroups.V2;

namespace ClusterKit.Worker.Cgroups.Tests.V2;

public sealed class PidsV2Tests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(10, "10")]
    [InlineData(0, "max")]
    [InlineData(-1, "max")]
    public void Writes_pids_max(long limit, string expected)
    {
        var dir = CgroupFiles.V2(_temp.Combine("c"));

        new PidsV2().Apply(dir, new ResourceLimits(PidsLimit: limit));

        Assert.Equal(expected, CgroupFiles.Read(dir, "pids.max"));
    }

    [Fact]
    public void Reads_current_and_max_as_no_limit()
    {
        var dir = CgroupFiles.V2(_temp.Combine("c"));
        var usage = new ResourceUsageBuilder();

        new PidsV2().ReadUsage(dir, usage);

        Assert.Equal(3UL, usage.PidsCurrent);
        Assert.Equal(0UL, usage.PidsLimit);
    }
}
