using ClusterKit.Worker.Images.Distribution;

namespace ClusterKit.Worker.Images.Tests.Distribution;

/// <summary>The back-off schedule of a push that meets 503 answers.</summary>
public sealed class RegistryRetryTests
{
    private static readonly RegistryRetryOptions Defaults = new();

    [Fact]
    public void The_wait_doubles_from_one_second_up_to_fifteen()
    {
        Assert.Equal([1, 2, 4, 8, 15, 15, 15], Enumerable.Range(1, 7).Select(r => RegistryRetry.Delay(Defaults, r).TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(15), RegistryRetry.Delay(Defaults, 1000));
    }

    [Fact]
    public void No_retry_would_end_past_the_budget()
    {
        Assert.Equal(TimeSpan.FromSeconds(15), RegistryRetry.NextWait(Defaults, 9, TimeSpan.FromSeconds(105)));
        Assert.Null(RegistryRetry.NextWait(Defaults, 9, TimeSpan.FromSeconds(106)));
        Assert.Null(RegistryRetry.NextWait(Defaults with { Budget = TimeSpan.FromMilliseconds(500) }, 1, TimeSpan.Zero));
    }
}
