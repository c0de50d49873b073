using ClusterKit.Shared.Identity;

namespace ClusterKit.Shared.Tests.Identity;

public sealed class RenewalPolicyTests
{
    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider _clock = TestCertificates.Clock();

    private static readonly DateTimeOffset NotBefore = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset NotAfter = NotBefore.AddDays(90);

    [Fact]
    public void Without_jitter_a_node_renews_at_two_thirds_of_its_lifetime()
    {
        var policy = new RenewalPolicy(jitterFraction: 0);

        Assert.Equal(NotBefore.AddDays(60), policy.RenewAt(NotBefore, NotAfter, new Random(1)));
    }

    [Fact]
    public void Jitter_spreads_renewals_within_its_band_and_a_seed_replays_them()
    {
        var policy = new RenewalPolicy();
        var times = Enumerable.Range(0, 500).Select(seed => policy.RenewAt(NotBefore, NotAfter, new Random(seed))).ToArray();

        var earliest = NotBefore.AddDays(90 * ((2.0 / 3) - (1.0 / 12)));
        var latest = NotBefore.AddDays(90 * ((2.0 / 3) + (1.0 / 12)));
        Assert.All(times, t => Assert.InRange(t, earliest, latest));
        Assert.True(times.Distinct().Count() > 450);
        Assert.True(times.Min() < NotBefore.AddDays(55) && times.Max() > NotBefore.AddDays(65), "jitter should use most of its band");
        Assert.Equal(times[7], policy.RenewAt(NotBefore, NotAfter, new Random(7)));
    }

    [Fact]
    public void The_delay_is_zero_once_the_moment_has_passed()
    {
        var root = TestCertificates.Root(_clock, TestCertificates.NewClusterId());
        var now = _clock.GetUtcNow();
        using var node = TestCertificates.Node(_clock, root, new NodeIdentity("c1", "n1", NodeRole.Worker), now.AddDays(-25), now.AddDays(5));
        var policy = new RenewalPolicy(jitterFraction: 0);

        Assert.Equal(TimeSpan.Zero, policy.DelayUntilRenewal(node, now, new Random(1)));
        var renewAt = policy.RenewAt(node, new Random(1));
        Assert.Equal(TimeSpan.FromDays(1), policy.DelayUntilRenewal(node, renewAt - TimeSpan.FromDays(1), new Random(1)));
    }

    [Theory]
    [InlineData(1.0, 0.0, "renewal point 1 is outside the lifetime")]
    [InlineData(0.5, 0.6, "renewal jitter 0.6 takes the renewal point 0.5 outside the lifetime")]
    public void Bad_settings_are_refused(double fraction, double jitter, string expected)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new RenewalPolicy(fraction, jitter));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
