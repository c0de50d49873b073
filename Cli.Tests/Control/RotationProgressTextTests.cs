using ClusterKit.Cli.Control;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Cli.Tests.Control;

public sealed class RotationProgressTextTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 19, 30, 0, TimeSpan.Zero);

    [Fact]
    public void A_stable_cluster_has_no_progress_line()
    {
        var info = new ClusterInfo { Nodes = 3 };
        info.RootDigests.Add("d1");

        Assert.False(RotationProgressText.IsRotating(info));
        Assert.Null(RotationProgressText.Summary(info, Now));
    }

    [Fact]
    public void The_summary_says_what_each_waited_for_node_is_doing_and_how_to_stop_waiting_for_a_dead_one()
    {
        var info = Rotating(5,
            Pending("id3", "w3", NodeRole.Worker, NodeState.Down, new DateTimeOffset(2026, 11, 28, 19, 2, 11, TimeSpan.Zero), earlier: false),
            Pending("id4", "w4", NodeRole.Worker, NodeState.Ready, Now, earlier: true),
            Pending("idm", string.Empty, NodeRole.Manager, NodeState.Ready, Now, earlier: true));

        Assert.Equal(
            "CA rotation: waiting for 3 of 5 nodes: " +
            "w3 (worker, down since 19:02:11Z, will move when it returns, or remove it with `ck node rm id3`), " +
            "w4 (worker, ready, renewing), " +
            "idm (manager, ready, moves after the workers)",
            RotationProgressText.Summary(info, Now));
    }

    [Fact]
    public void A_state_older_than_the_manager_and_a_day_old_time_say_so()
    {
        var info = Rotating(2,
            Pending("id3", "w3", NodeRole.Worker, NodeState.Disconnected, new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero), earlier: true),
            Pending("idm", "m1", NodeRole.Manager, NodeState.Down, default, earlier: false));

        Assert.Equal(
            "CA rotation: waiting for 2 of 2 nodes: " +
            "w3 (worker, disconnected since 2026-11-27 08:00:00Z or earlier, will move when it returns, or remove it with `ck node rm id3`), " +
            "m1 (manager, down, will move when it returns, or remove it with `ck node rm idm`)",
            RotationProgressText.Summary(info, Now));
    }

    [Fact]
    public void A_last_manager_renews_once_no_worker_is_left()
    {
        var info = Rotating(3, Pending("idm", "m1", NodeRole.Manager, NodeState.Ready, Now, earlier: false));

        Assert.Equal("CA rotation: waiting for 1 of 3 nodes: m1 (manager, ready, renewing)", RotationProgressText.Summary(info, Now));
        Assert.Equal(["m1: manager, ready, renewing"], RotationProgressText.NodeLines(info, Now));
    }

    [Theory]
    [InlineData(1, 1, "1 of 1 node")]
    [InlineData(2, 5, "2 of 5 nodes")]
    [InlineData(1, 0, "1 node")]
    [InlineData(3, 2, "3 nodes")]
    public void Counts_read_as_english(int waiting, int nodes, string expected) => Assert.Equal(expected, RotationProgressText.Count(waiting, nodes));

    [Fact]
    public void Nodes_that_left_the_list_are_told_as_moved()
    {
        var before = Rotating(3, Pending("a", "w1", NodeRole.Worker, NodeState.Ready, Now, false), Pending("b", "w2", NodeRole.Worker, NodeState.Ready, Now, false));
        var after = Rotating(3, Pending("b", "w2", NodeRole.Worker, NodeState.Ready, Now, false));

        Assert.Equal(["w1 (worker) is off the old root (renewed, or removed from the cluster)"], RotationProgressText.Moved(before, after));
        Assert.Empty(RotationProgressText.Moved(after, after));
    }

    internal static ClusterInfo Rotating(int nodes, params RotationPendingNode[] pending)
    {
        var info = new ClusterInfo { Nodes = nodes, CaRotationPhase = "CA rotating" };
        info.RootDigests.Add("old");
        info.RootDigests.Add("new");
        info.NodesOnRetiringRoot.AddRange(pending);
        return info;
    }

    internal static RotationPendingNode Pending(string id, string hostname, NodeRole role, NodeState state, DateTimeOffset since, bool earlier) => new()
    {
        NodeId = id,
        Hostname = hostname,
        Role = role,
        State = state,
        StateSinceUnixMs = since == default ? 0 : since.ToUnixTimeMilliseconds(),
        StateBeganEarlier = earlier,
    };
}
