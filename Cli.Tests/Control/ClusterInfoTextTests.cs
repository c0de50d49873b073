using ClusterKit.Cli.Control;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Cli.Tests.Control;

public sealed class ClusterInfoTextTests
{
    [Fact]
    public void Inspect_prints_every_fact_an_operator_asks_for()
    {
        var info = new ClusterInfo
        {
            ClusterId = "c1",
            CreatedUnixMs = new DateTimeOffset(2026, 11, 28, 16, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(),
            CaRotationPhase = "rotating: 2 of 5 nodes re-issued",
            CertificateValidityMs = (long)TimeSpan.FromDays(90).TotalMilliseconds,
            HeartbeatPeriodMs = 5000,
            LeaderNodeId = "m1",
            Managers = 3,
            ReachableManagers = 1,
            HasQuorum = false,
            StoreVersion = 42,
        };
        info.RootDigests.Add("digest-old");
        info.RootDigests.Add("digest-new");

        var text = ClusterInfoText.Format(info, new DateTimeOffset(2026, 11, 28, 19, 30, 0, TimeSpan.Zero));

        Assert.Equal(
            "ID: c1\n" +
            "Created: 2026-11-28 16:00:00Z\n" +
            "Managers: 1 of 3 reachable\n" +
            "Quorum: no (2 managers needed)\n" +
            "Leader: m1\n" +
            "Store version: 42\n" +
            "Heartbeat period: 5s\n" +
            "Certificate validity: 2160h0m0s\n" +
            "CA rotation: rotating: 2 of 5 nodes re-issued\n" +
            "Root CA digests:\n  digest-old\n  digest-new\n",
            text);
    }

    [Fact]
    public void Inspect_lists_the_nodes_a_CA_rotation_waits_for()
    {
        var now = new DateTimeOffset(2026, 11, 28, 19, 30, 0, TimeSpan.Zero);
        var info = RotationProgressTextTests.Rotating(
            4,
            RotationProgressTextTests.Pending("id3", "w3", NodeRole.Worker, NodeState.Down, new DateTimeOffset(2026, 11, 28, 19, 2, 11, TimeSpan.Zero), earlier: false),
            RotationProgressTextTests.Pending("idm", "m1", NodeRole.Manager, NodeState.Ready, now, earlier: true));

        var text = ClusterInfoText.Format(info, now);

        Assert.Contains(
            "CA rotation: CA rotating\n" +
            "Rotation waits for: 2 of 4 nodes\n" +
            "  w3: worker, down since 19:02:11Z, will move when it returns, or remove it with `ck node rm id3`\n" +
            "  m1: manager, ready, moves after the workers\n" +
            "Root CA digests:\n  old\n  new\n",
            text,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1500, "1.5s")]
    [InlineData(59_000, "59s")]
    [InlineData(90_000, "0h1m30s")]
    [InlineData(0, "unset")]
    public void Durations_read_as_go_durations(long milliseconds, string expected) => Assert.Equal(expected, ClusterInfoText.Duration(milliseconds));

    [Fact]
    public void A_cluster_with_quorum_and_no_leader_says_so()
    {
        var text = ClusterInfoText.Format(new ClusterInfo { ClusterId = "c1", Managers = 1, ReachableManagers = 1, HasQuorum = true }, new DateTimeOffset(2026, 11, 28, 19, 30, 0, TimeSpan.Zero));

        Assert.Contains("Quorum: yes\n", text, StringComparison.Ordinal);
        Assert.Contains("Leader: none\n", text, StringComparison.Ordinal);
        Assert.Contains("Created: unknown\n", text, StringComparison.Ordinal);
    }
}
