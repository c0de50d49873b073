using ClusterKit.Manager.Store.Raft;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Manager.Tests.Store.Raft;

public sealed class FollowerWatchdogTests
{
    private static readonly TimeSpan StuckAfter = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_follower_whose_barrier_keeps_failing_is_reported_once_past_the_limit()
    {
        var time = new FakeTimeProvider();
        var reasons = new List<string>();
        await using var watchdog = new FollowerWatchdog(
            () => true,
            _ => ValueTask.FromException(new TimeoutException("no progress")),
            StuckAfter,
            time,
            reasons.Add);

        var healthy = time.GetUtcNow();
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(healthy, await watchdog.CheckAsync(healthy, CancellationToken.None));
        Assert.Empty(reasons);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(DateTimeOffset.MaxValue, await watchdog.CheckAsync(healthy, CancellationToken.None));
        Assert.Equal("it has not caught up with a leader for 30 s (last error: TimeoutException: no progress)", Assert.Single(reasons));
    }

    [Fact]
    public async Task A_follower_that_sees_no_leader_for_too_long_is_reported()
    {
        // What the re-sent snapshot fault looks like from the follower: no leader at all.
        var time = new FakeTimeProvider();
        var reasons = new List<string>();
        await using var watchdog = new FollowerWatchdog(() => null, _ => ValueTask.CompletedTask, StuckAfter, time, reasons.Add);
        var healthy = time.GetUtcNow();
        time.Advance(StuckAfter);
        Assert.Equal(DateTimeOffset.MaxValue, await watchdog.CheckAsync(healthy, CancellationToken.None));
        Assert.Equal("it has not caught up with a leader for 30 s (last error: no leader is known)", Assert.Single(reasons));
    }

    [Fact]
    public async Task A_successful_barrier_or_being_the_leader_counts_as_healthy()
    {
        var time = new FakeTimeProvider();
        bool? remoteLeader = true;
        await using var watchdog = new FollowerWatchdog(() => remoteLeader, _ => ValueTask.CompletedTask, StuckAfter, time, _ => Assert.Fail("not stuck"));
        var start = time.GetUtcNow();
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(time.GetUtcNow(), await watchdog.CheckAsync(start, CancellationToken.None));

        remoteLeader = false;
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(time.GetUtcNow(), await watchdog.CheckAsync(start, CancellationToken.None));
    }

    [Fact]
    public async Task A_joining_manager_gets_its_first_allowance_until_it_has_caught_up_once_and_the_usual_one_after()
    {
        var time = new FakeTimeProvider();
        var reasons = new List<string>();
        var failing = true;
        await using var watchdog = new FollowerWatchdog(
            () => true,
            _ => failing ? ValueTask.FromException(new TimeoutException("catching up")) : ValueTask.CompletedTask,
            StuckAfter,
            time,
            reasons.Add,
            firstCatchUpAfter: TimeSpan.FromSeconds(120));

        var start = time.GetUtcNow();
        time.Advance(TimeSpan.FromSeconds(100));
        Assert.Equal(start, await watchdog.CheckAsync(start, CancellationToken.None));
        Assert.Empty(reasons);

        failing = false;
        var caughtUp = await watchdog.CheckAsync(start, CancellationToken.None);
        failing = true;
        time.Advance(StuckAfter);
        Assert.Equal(DateTimeOffset.MaxValue, await watchdog.CheckAsync(caughtUp, CancellationToken.None));
        Assert.Equal("it has not caught up with a leader for 30 s (last error: TimeoutException: catching up)", Assert.Single(reasons));
    }

    [Fact]
    public async Task A_joining_manager_that_never_catches_up_is_reported_after_its_first_allowance()
    {
        var time = new FakeTimeProvider();
        var reasons = new List<string>();
        await using var watchdog = new FollowerWatchdog(() => null, _ => ValueTask.CompletedTask, StuckAfter, time, reasons.Add, firstCatchUpAfter: TimeSpan.FromSeconds(120));
        var start = time.GetUtcNow();
        time.Advance(TimeSpan.FromSeconds(119));
        Assert.Equal(start, await watchdog.CheckAsync(start, CancellationToken.None));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(DateTimeOffset.MaxValue, await watchdog.CheckAsync(start, CancellationToken.None));
        Assert.Equal("it has not caught up with a leader for 120 s (last error: no leader is known)", Assert.Single(reasons));
    }
}
