using ClusterKit.Manager.Host.Control;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Tests.Host.Control;

public sealed class NodeStateClockTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 19, 0, 0, TimeSpan.Zero);

    [Fact]
    public void States_seen_at_the_first_look_began_earlier()
    {
        var clock = new NodeStateClock();

        clock.Observe([("w1", NodeState.Ready), ("w2", NodeState.Down)], T0);

        Assert.Equal(new NodeStateSince(NodeState.Down, T0, BeganEarlier: true), clock.Of("w2"));
        Assert.Equal(new NodeStateSince(NodeState.Ready, T0, BeganEarlier: true), clock.Of("w1"));
        Assert.Null(clock.Of("w3"));
    }

    [Fact]
    public void A_change_seen_later_is_timed_and_an_unchanged_state_keeps_its_time()
    {
        var clock = new NodeStateClock();
        clock.Observe([("w1", NodeState.Ready), ("w2", NodeState.Ready)], T0);

        clock.Observe([("w1", NodeState.Ready), ("w2", NodeState.Down)], T0.AddSeconds(5));
        clock.Observe([("w1", NodeState.Ready), ("w2", NodeState.Down), ("w3", NodeState.Unknown)], T0.AddSeconds(9));

        Assert.Equal(new NodeStateSince(NodeState.Ready, T0, BeganEarlier: true), clock.Of("w1"));
        Assert.Equal(new NodeStateSince(NodeState.Down, T0.AddSeconds(5), BeganEarlier: false), clock.Of("w2"));
        Assert.Equal(new NodeStateSince(NodeState.Unknown, T0.AddSeconds(9), BeganEarlier: false), clock.Of("w3"));
    }

    [Fact]
    public void A_node_gone_from_the_store_is_forgotten()
    {
        var clock = new NodeStateClock();
        clock.Observe([("w1", NodeState.Down)], T0);

        clock.Observe([], T0.AddSeconds(1));

        Assert.Null(clock.Of("w1"));
    }
}
