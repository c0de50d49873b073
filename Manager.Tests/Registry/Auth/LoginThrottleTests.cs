using ClusterKit.Manager.Registry.Auth;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Manager.Tests.Registry.Auth;

public sealed class LoginThrottleTests
{
    private const string Client = "192.0.2.7";
    private static readonly DateTimeOffset Start = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void Ten_failed_logins_pass_the_eleventh_is_held_back_for_one_refill_interval()
    {
        var throttle = new LoginThrottle(new FakeTimeProvider(Start));

        for (var i = 0; i < 10; i++)
        {
            Assert.True(throttle.TryBegin(Client, out var none), $"attempt {i + 1} was held back");
            Assert.Equal(TimeSpan.Zero, none);
        }

        Assert.False(throttle.TryBegin(Client, out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(6), retryAfter);
    }

    [Fact]
    public void A_held_back_client_may_try_once_per_refill_interval_and_the_wait_shrinks_as_time_passes()
    {
        var time = new FakeTimeProvider(Start);
        var throttle = new LoginThrottle(time);
        Exhaust(throttle, Client);

        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(throttle.TryBegin(Client, out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(2), retryAfter);

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(throttle.TryBegin(Client, out _));
        Assert.False(throttle.TryBegin(Client, out retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(6), retryAfter);

        // Ten minutes refill the whole burst, and no more than it.
        time.Advance(TimeSpan.FromMinutes(10));
        Exhaust(throttle, Client);
    }

    [Fact]
    public void Successful_logins_give_their_token_back_so_only_failures_count()
    {
        var throttle = new LoginThrottle(new FakeTimeProvider(Start));
        for (var i = 0; i < 50; i++)
        {
            Assert.True(throttle.TryBegin(Client, out _));
            throttle.Succeeded(Client);
        }

        Assert.Equal(0, throttle.Tracked);

        // Nine failures, then a success: the success does not use up the tenth failure's chance.
        for (var i = 0; i < 9; i++)
        {
            Assert.True(throttle.TryBegin(Client, out _));
        }

        Assert.True(throttle.TryBegin(Client, out _));
        throttle.Succeeded(Client);
        Assert.True(throttle.TryBegin(Client, out _));
        Assert.False(throttle.TryBegin(Client, out _));
    }

    [Fact]
    public void Clients_are_limited_each_on_their_own()
    {
        var throttle = new LoginThrottle(new FakeTimeProvider(Start));
        Exhaust(throttle, Client);

        Assert.True(throttle.TryBegin("192.0.2.8", out _));
        Assert.True(throttle.TryBegin("2001:db8::1", out _));
        Assert.False(throttle.TryBegin(Client, out _));
    }

    [Fact]
    public void The_table_stays_bounded_dropping_refilled_clients_first_then_the_longest_quiet()
    {
        var time = new FakeTimeProvider(Start);
        var throttle = new LoginThrottle(time, new LoginThrottleOptions(Burst: 2, RefillInterval: TimeSpan.FromSeconds(6), MaxClients: 3));
        Exhaust(throttle, "a", 2);
        time.Advance(TimeSpan.FromSeconds(1));
        Exhaust(throttle, "b", 2);
        time.Advance(TimeSpan.FromSeconds(1));
        Exhaust(throttle, "c", 2);
        Assert.Equal(3, throttle.Tracked);

        // None has refilled: the one quiet the longest ("a") is forgotten to make room.
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(throttle.TryBegin("d", out _));
        Assert.Equal(3, throttle.Tracked);
        Assert.True(throttle.TryBegin("a", out _));
        Assert.False(throttle.TryBegin("c", out _));

        // Long after, every bucket has refilled: a newcomer clears them all away.
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(throttle.TryBegin("e", out _));
        Assert.Equal(1, throttle.Tracked);

        for (var i = 0; i < 1000; i++)
        {
            throttle.TryBegin($"198.51.100.{i}", out _);
            Assert.InRange(throttle.Tracked, 1, 3);
        }
    }

    [Fact]
    public void Options_that_would_never_let_a_login_through_are_refused()
    {
        var time = new FakeTimeProvider(Start);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LoginThrottle(time, new LoginThrottleOptions(Burst: 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LoginThrottle(time, new LoginThrottleOptions(RefillInterval: TimeSpan.Zero)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LoginThrottle(time, new LoginThrottleOptions(MaxClients: 0)));
    }

    private static void Exhaust(LoginThrottle throttle, string client, int burst = 10)
    {
        for (var i = 0; i < burst; i++)
        {
            Assert.True(throttle.TryBegin(client, out _), $"{client}: attempt {i + 1} of the burst was held back");
        }

        Assert.False(throttle.TryBegin(client, out _), $"{client}: an attempt beyond the burst passed");
    }
}
