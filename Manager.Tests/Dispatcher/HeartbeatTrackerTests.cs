using ClusterKit.Manager.Dispatcher;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Manager.Tests.Dispatcher;

public sealed class HeartbeatTrackerTests
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(5);

    [Fact]
    public void A_node_is_late_after_exactly_three_silent_periods()
    {
        var time = new FakeTimeProvider();
        var tracker = new HeartbeatTracker(time, Period);
        tracker.Seen("n1");

        time.Advance(TimeSpan.FromSeconds(15) - TimeSpan.FromTicks(1));
        Assert.Empty(tracker.Late());
        Assert.True(tracker.IsAlive("n1"));

        time.Advance(TimeSpan.FromTicks(1));
        var late = Assert.Single(tracker.Late());
        Assert.Equal(new LateNode("n1", TimeSpan.FromSeconds(15)), late);
        Assert.False(tracker.IsAlive("n1"));
    }

    [Fact]
    public void Each_heartbeat_restarts_the_deadline()
    {
        var time = new FakeTimeProvider();
        var tracker = new HeartbeatTracker(time, Period);
        tracker.Seen("n1");
        for (var i = 0; i < 10; i++)
        {
            time.Advance(TimeSpan.FromSeconds(14));
            Assert.Empty(tracker.Late());
            tracker.Seen("n1");
        }

        time.Advance(TimeSpan.FromSeconds(16));
        Assert.Equal(["n1"], tracker.Late().Select(l => l.NodeId));
        tracker.Seen("n1");
        Assert.Empty(tracker.Late());
    }

    [Fact]
    public void Late_nodes_are_listed_in_id_order_with_their_silence()
    {
        var time = new FakeTimeProvider();
        var tracker = new HeartbeatTracker(time, Period);
        tracker.Seen("b");
        time.Advance(TimeSpan.FromSeconds(1));
        tracker.Seen("a");
        time.Advance(TimeSpan.FromSeconds(1));
        tracker.Seen("c");
        time.Advance(TimeSpan.FromSeconds(15));

        Assert.Equal(
            [new LateNode("a", TimeSpan.FromSeconds(16)), new LateNode("b", TimeSpan.FromSeconds(17)), new LateNode("c", TimeSpan.FromSeconds(15))],
            tracker.Late());
    }

    [Fact]
    public void A_grace_period_gives_an_unheard_node_a_whole_timeout_from_now()
    {
        var time = new FakeTimeProvider();
        var tracker = new HeartbeatTracker(time, Period);
        time.Advance(TimeSpan.FromMinutes(10));
        tracker.StartGrace("inherited");

        time.Advance(TimeSpan.FromSeconds(14.9));
        Assert.Empty(tracker.Late());
        time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(["inherited"], tracker.Late().Select(l => l.NodeId));
    }

    [Fact]
    public void A_new_period_gives_every_node_a_whole_new_timeout_and_the_miss_count_is_configurable()
    {
        var time = new FakeTimeProvider();
        var tracker = new HeartbeatTracker(time, TimeSpan.FromMilliseconds(200), missedHeartbeats: 2);
        Assert.Equal(TimeSpan.FromMilliseconds(400), tracker.Timeout);
        tracker.Seen("n1");
        tracker.Seen("n2");
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(2, tracker.Late().Count);

        // Workers learn the period with their next message: silence so far does not count against the new one.
        tracker.Period = TimeSpan.FromSeconds(1);
        Assert.Empty(tracker.Late());
        time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.Empty(tracker.Late());
        tracker.Period = TimeSpan.FromSeconds(1);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, tracker.Late().Count);
    }

    [Fact]
    public void Forgotten_and_cleared_nodes_are_never_late()
    {
        var time = new FakeTimeProvider();
        var tracker = new HeartbeatTracker(time, Period);
        tracker.Seen("n1");
        tracker.Seen("n2");
        Assert.True(tracker.Forget("n1"));
        Assert.False(tracker.Forget("n1"));
        Assert.Null(tracker.SilenceOf("n1"));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(["n2"], tracker.Late().Select(l => l.NodeId));

        tracker.Clear();
        Assert.Equal(0, tracker.Count);
        Assert.Empty(tracker.Late());
    }

    [Fact]
    public void Bad_settings_are_refused()
    {
        var time = new FakeTimeProvider();
        Assert.Throws<ArgumentOutOfRangeException>(() => new HeartbeatTracker(time, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HeartbeatTracker(time, Period, missedHeartbeats: 0));
    }
}
