using ClusterKit.Manager.Host.Logging;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Manager.Tests.Host.Logging;

public sealed class RepeatGateTests
{
    [Fact]
    public void The_first_line_of_a_kind_passes_and_repeats_within_the_window_are_counted()
    {
        var time = new FakeTimeProvider();
        var gate = new RepeatGate(TimeSpan.FromSeconds(10), time);

        Assert.True(gate.TryPass("a", out var first));
        Assert.Equal(0, first);
        Assert.False(gate.TryPass("a", out _));
        time.Advance(TimeSpan.FromSeconds(9.9));
        Assert.False(gate.TryPass("a", out _));
        Assert.True(gate.TryPass("b", out _));
        time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.True(gate.TryPass("a", out var held));
        Assert.Equal(2, held);
        Assert.False(gate.TryPass("a", out _));
    }

    [Fact]
    public void A_window_that_is_not_positive_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RepeatGate(TimeSpan.Zero, TimeProvider.System));
    }
}
