using ClusterKit.Cli.Nodes;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Cli.Tests.Nodes;

public sealed class NodeListOutputTests
{
    private static NodeDetails Details(string id, string host, NodeRole role, NodeState state, NodeAvailability availability, ManagerReachability reachability, string engine = "0.4.0") => new()
    {
        Node = new Node
        {
            Id = id,
            Role = role,
            Spec = new NodeSpec { DesiredRole = role, Availability = availability },
            Description = new NodeDescription { Hostname = host, EngineVersion = engine },
            Status = new NodeStatus { State = state },
        },
        Reachability = reachability,
    };

    private static ListNodesResponse Cluster(bool hasQuorum, string warning = "")
    {
        var response = new ListNodesResponse { HasQuorum = hasQuorum, Warning = warning };
        response.Nodes.Add(Details("m1aaaaaaaaaaaaaaaaaaaaaaa", "manager-1", NodeRole.Manager, NodeState.Ready, NodeAvailability.Active, hasQuorum ? ManagerReachability.Leader : ManagerReachability.Reachable));
        response.Nodes.Add(Details("m2bbbbbbbbbbbbbbbbbbbbbbb", "manager-2", NodeRole.Manager, NodeState.Down, NodeAvailability.Active, ManagerReachability.Unreachable));
        response.Nodes.Add(Details("w1ccccccccccccccccccccccc", "worker-1", NodeRole.Worker, NodeState.Ready, NodeAvailability.Drain, ManagerReachability.Unspecified, engine: ""));
        return response;
    }

    [Fact]
    public void A_cluster_with_quorum_prints_the_table_without_a_warning_and_exits_0()
    {
        var output = NodeListOutput.From(Cluster(hasQuorum: true), answeringNodeId: "m1aaaaaaaaaaaaaaaaaaaaaaa");

        Assert.Null(output.Warning);
        Assert.Equal(0, output.ExitCode);
        var expected =
            "ID                            HOSTNAME    STATUS   AVAILABILITY   MANAGER STATUS   ENGINE VERSION\n" +
            "m1aaaaaaaaaaaaaaaaaaaaaaa *   manager-1   Ready    Active         Leader           0.4.0\n" +
            "m2bbbbbbbbbbbbbbbbbbbbbbb     manager-2   Down     Active         Unreachable      0.4.0\n" +
            "w1ccccccccccccccccccccccc     worker-1    Ready    Drain                           -\n";
        Assert.Equal(expected, output.Table);
    }

    [Fact]
    public void A_lost_quorum_gives_the_managers_warning_for_stderr_still_the_table_and_exit_1()
    {
        const string Warning = "this manager cannot reach a majority of the managers (1 of 2 reachable, 2 needed): the cluster has lost quorum";
        var output = NodeListOutput.From(Cluster(hasQuorum: false, Warning), answeringNodeId: null);

        Assert.Equal("WARNING: " + Warning, output.Warning);
        Assert.Equal(1, output.ExitCode);
        var lines = output.Table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("m1aaaaaaaaaaaaaaaaaaaaaaa   manager-1", lines[1], StringComparison.Ordinal);
        Assert.Contains("Reachable", lines[1], StringComparison.Ordinal);
        Assert.Contains("Unreachable", lines[2], StringComparison.Ordinal);
        Assert.DoesNotContain("*", output.Table, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lost_quorum_without_a_warning_from_the_manager_still_says_so()
    {
        var output = NodeListOutput.From(Cluster(hasQuorum: false), answeringNodeId: null);

        Assert.NotNull(output.Warning);
        Assert.Contains("lost quorum", output.Warning, StringComparison.Ordinal);
        Assert.Equal(1, output.ExitCode);
    }

    [Fact]
    public void A_worker_has_a_blank_manager_status_and_a_manager_without_reachability_says_unknown()
    {
        var worker = Details("w", "h", NodeRole.Worker, NodeState.Ready, NodeAvailability.Active, ManagerReachability.Unspecified);
        var manager = Details("m", "h", NodeRole.Manager, NodeState.Unknown, NodeAvailability.Pause, ManagerReachability.Unspecified);

        Assert.Equal(string.Empty, NodeNames.ManagerStatus(worker));
        Assert.Equal("Unknown", NodeNames.ManagerStatus(manager));
        Assert.Equal("Pause", NodeNames.Availability(NodeAvailability.Pause));
        Assert.Equal("Disconnected", NodeNames.State(NodeState.Disconnected));
    }

    [Fact]
    public void Pretty_inspect_names_the_role_labels_and_manager_addresses()
    {
        var details = Details("m1", "manager-1", NodeRole.Manager, NodeState.Ready, NodeAvailability.Drain, ManagerReachability.Leader);
        details.Node.RaftAddress = "10.0.0.1:4242";
        details.Node.ApiAddress = "10.0.0.1:4243";
        details.Node.Spec.Labels.Add("zone", "a");
        details.Node.Spec.Labels.Add("disk", "ssd");

        var text = NodeText.Format(details);

        Assert.Contains("ID: m1\n", text, StringComparison.Ordinal);
        Assert.Contains("Role: manager\n", text, StringComparison.Ordinal);
        Assert.Contains("Availability: Drain\n", text, StringComparison.Ordinal);
        Assert.Contains("Manager status: Leader\n", text, StringComparison.Ordinal);
        Assert.Contains("API address: 10.0.0.1:4243\n", text, StringComparison.Ordinal);
        Assert.Contains("Labels:\n  - disk=ssd\n  - zone=a\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hostname_with_a_newline_and_ansi_escapes_cannot_forge_a_row()
    {
        var response = new ListNodesResponse { HasQuorum = true };
        response.Nodes.Add(Details("w1ccccccccccccccccccccccc", "evil\nm9 *   forged   Ready    Active         Leader\u001b[2K", NodeRole.Worker, NodeState.Ready, NodeAvailability.Active, ManagerReachability.Unspecified));

        var table = NodeListOutput.From(response, answeringNodeId: null).Table;

        Assert.Equal(2, table.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.DoesNotContain('\u001b', table);
        Assert.Contains("evil\\nm9 *   forged", table, StringComparison.Ordinal);
    }
}
