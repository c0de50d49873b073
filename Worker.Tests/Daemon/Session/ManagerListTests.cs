using ClusterKit.TestKit;
using ClusterKit.Worker.Session;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterKit.Worker.Tests.Session;

public sealed class ManagerListTests
{
    [Fact]
    public void Managers_are_tried_in_turn_from_the_one_that_failed()
    {
        var list = new ManagerList(["a:1", "b:1", "c:1"]);
        Assert.Equal(["a:1", "b:1", "c:1", "a:1"], [list.Next(), list.Next(), list.Next(), list.Next()]);
    }

    [Fact]
    public void A_redirect_target_becomes_current_and_is_added_when_unknown()
    {
        var list = new ManagerList(["a:1", "b:1"]);
        list.MoveTo("c:1");
        Assert.Equal(["a:1", "b:1", "c:1"], list.Addresses);
        Assert.Equal("a:1", list.Next());
        list.MoveTo("B:1");
        Assert.Equal("c:1", list.Next());
    }

    [Fact]
    public void The_managers_list_replaces_the_known_one_and_keeps_the_position()
    {
        var list = new ManagerList(["a:1", "b:1"]);
        Assert.Equal("a:1", list.Next());
        Assert.True(list.Replace(["x:1", "a:1", "y:1"]));
        Assert.Equal(["x:1", "a:1", "y:1"], list.Addresses);
        Assert.Equal("y:1", list.Next());
        Assert.False(list.Replace(["x:1", "a:1", "y:1"]));
        Assert.False(list.Replace([]));
        Assert.Equal(["x:1", "a:1", "y:1"], list.Addresses);
    }

    [Fact]
    public void A_worker_needs_at_least_one_manager()
        => Assert.Throws<ArgumentException>(() => new ManagerList([" ", ""]));

    [Fact]
    public void The_saved_list_round_trips_and_skips_lines_that_are_not_addresses()
    {
        using var dir = new TempDirectory("ckt-session");
        var file = new ManagerListFile(dir.Combine("session", "managers"));
        Assert.Empty(file.Load(out var none));
        Assert.Empty(none);

        file.Save(["10.0.0.1:4243", "[::1]:4243", "m3.example:4243"]);
        Assert.Equal(["10.0.0.1:4243", "[::1]:4243", "m3.example:4243"], file.Load(out var skipped));
        Assert.Empty(skipped);
        Assert.False(File.Exists(file.Path + ".tmp"));

        File.AppendAllText(file.Path, "garbage\n\n10.0.0.9:1\n");
        Assert.Equal(["10.0.0.1:4243", "[::1]:4243", "m3.example:4243", "10.0.0.9:1"], file.Load(out skipped));
        Assert.Equal(["garbage"], skipped);
    }

    [Fact]
    public void A_restarted_worker_knows_the_saved_managers_after_its_command_line_ones()
    {
        using var dir = new TempDirectory("ckt-session");
        var path = dir.Combine("session", "managers");
        new ManagerListFile(path).Save(["10.0.0.2:4243", "10.0.0.1:4243", "10.0.0.3:4243"]);

        using var session = new ManagerSession(
            new ManagerSessionOptions
            {
                NodeId = "worker-1",
                Managers = ["10.0.0.1:4243"],
                Description = new Proto.Manager.V1.NodeDescription { Hostname = "h" },
                ManagerListPath = path,
            },
            new H2cManagerChannelFactory(),
            TimeProvider.System,
            NullLogger<ManagerSession>.Instance);

        Assert.Equal(["10.0.0.1:4243", "10.0.0.2:4243", "10.0.0.3:4243"], session.Status.Managers);
        Assert.False(session.Status.Connected);
        Assert.Equal(TimeSpan.FromSeconds(5), session.Status.HeartbeatPeriod);
    }
}
