using ClusterKit.Manager.Store.Raft;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Manager.Tests.Store.Raft;

public sealed class StalledLeaderGuardTests
{
    private static readonly TimeSpan StalledAfter = TimeSpan.FromMilliseconds(375);
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(50);

    private sealed class Probe
    {
        public bool Leads { get; set; }

        public bool KnowsLeader { get; set; } = true;

        public int Cancels { get; private set; }

        public int LeaderTicks { get; private set; }

        public ValueTask LeaderTickAsync(CancellationToken token)
        {
            LeaderTicks++;
            return ValueTask.CompletedTask;
        }

        public ValueTask<bool> CancelAsync(CancellationToken token)
        {
            if (!KnowsLeader)
            {
                return ValueTask.FromResult(false);
            }

            Cancels++;
            return ValueTask.FromResult(true);
        }
    }

    private static StalledLeaderGuard Guard(Probe probe, FakeTimeProvider time)
        => new(() => probe.Leads, probe.CancelAsync, probe.LeaderTickAsync, StalledAfter, Tick, time);

    [Fact]
    public async Task Requests_to_a_silent_leader_are_cancelled_only_past_the_limit_and_again_every_check()
    {
        var time = new FakeTimeProvider();
        var probe = new Probe();
        await using var guard = Guard(probe, time);

        time.Advance(StalledAfter - TimeSpan.FromMilliseconds(1));
        Assert.False(await guard.CheckAsync(CancellationToken.None));
        Assert.Equal(0, probe.Cancels);

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(await guard.CheckAsync(CancellationToken.None));

        // A vote request sent to the stalled leader later must be cut too.
        time.Advance(Tick);
        Assert.True(await guard.CheckAsync(CancellationToken.None));
        Assert.Equal(2, probe.Cancels);
        Assert.Equal(2, guard.Interventions);
    }

    [Fact]
    public async Task An_append_from_the_leader_starts_the_wait_again()
    {
        var time = new FakeTimeProvider();
        var probe = new Probe();
        await using var guard = Guard(probe, time);

        time.Advance(StalledAfter - TimeSpan.FromMilliseconds(10));
        guard.LeaderHeard();
        time.Advance(StalledAfter - TimeSpan.FromMilliseconds(10));
        Assert.False(await guard.CheckAsync(CancellationToken.None));
        time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.True(await guard.CheckAsync(CancellationToken.None));
    }

    [Fact]
    public async Task The_leader_itself_and_a_manager_that_never_knew_a_leader_cancel_nothing()
    {
        var time = new FakeTimeProvider();
        var probe = new Probe { Leads = true };
        await using var guard = Guard(probe, time);
        time.Advance(StalledAfter * 4);
        Assert.False(await guard.CheckAsync(CancellationToken.None));
        Assert.Equal(1, probe.LeaderTicks);

        probe.Leads = false;
        probe.KnowsLeader = false;
        Assert.False(await guard.CheckAsync(CancellationToken.None));
        Assert.Equal(0, guard.Interventions);
    }

    [Fact]
    public void This_DotNext_build_has_the_client_connection_the_guard_closes()
        => Assert.True(MemberConnection.IsSupported, "DotNext's connection-oriented client no longer has the private 'context' and 'accessLock' fields: see MemberConnection");

    [Fact]
    public async Task The_running_guard_checks_on_its_own_every_tick()
    {
        var time = new FakeTimeProvider();
        var probe = new Probe();
        await using var guard = Guard(probe, time);
        guard.Start();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (probe.Cancels < 3 && DateTime.UtcNow < until)
        {
            time.Advance(Tick);
            await Task.Delay(10);
        }

        Assert.True(probe.Cancels >= 3, $"the guard cancelled {probe.Cancels} times");
    }
}
