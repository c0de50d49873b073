namespace ClusterKit.Worker.Cgroups.Tests;

public sealed class ResourceLimitsValidatorTests
{
    [Theory]
    [InlineData(0, 0, 0, 0)]
    [InlineData(6 * 1024 * 1024, 10_000_000, 2, -1)]
    [InlineData(64L << 20, 2_000_000_000, 262_144, 100)]
    public void Accepts_limits_in_range(long memory, long nanoCpus, long shares, long pids) =>
        ResourceLimitsValidator.Validate(new ResourceLimits(memory, nanoCpus, shares, pids), processorCount: 2);

    [Theory]
    [InlineData(-1, 0, 0, 0, "memory", "invalid memory limit -1 bytes")]
    [InlineData(1024 * 1024, 0, 0, 0, "memory", "at least 6291456 bytes")]
    [InlineData(0, 3_000_000_000, 0, 0, "cpus", "invalid cpus 3: use 0 for no limit or 0.01 to 2.00")]
    [InlineData(0, 5_000_000, 0, 0, "cpus", "invalid cpus 0.005")]
    [InlineData(0, -1, 0, 0, "cpus", "invalid cpus")]
    [InlineData(0, 0, 1, 0, "cpu-shares", "invalid cpu shares 1: use 0 for the default or 2 to 262144")]
    [InlineData(0, 0, 300_000, 0, "cpu-shares", "invalid cpu shares 300000")]
    [InlineData(0, 0, 0, -2, "pids-limit", "invalid pids limit -2")]
    public void Rejects_limits_out_of_range_naming_the_limit(long memory, long nanoCpus, long shares, long pids, string limit, string message)
    {
        var error = Assert.Throws<InvalidResourceLimitException>(
            () => ResourceLimitsValidator.Validate(new ResourceLimits(memory, nanoCpus, shares, pids), processorCount: 2));

        Assert.Equal(limit, error.Limit);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.IsAssignableFrom<ArgumentException>(error);
    }
}
