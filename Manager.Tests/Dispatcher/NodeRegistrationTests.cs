using ClusterKit.Manager.Dispatcher;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Tests.Dispatcher;

public sealed class NodeRegistrationTests
{
    private static NodeDescription Description(string hostname) => new()
    {
        Hostname = hostname,
        Platform = new Platform { Os = "linux", Architecture = "x86_64" },
        Resources = new Resources { NanoCpus = 2_000_000_000, MemoryBytes = 4L << 30 },
        EngineVersion = "1.2.3",
    };

    [Fact]
    public void A_new_node_is_an_active_ready_worker_with_its_description_and_address()
    {
        var node = NodeRegistration.Registered(null, "n1", Description("h1"), "10.0.0.5");

        Assert.Equal("n1", node.Id);
        Assert.Equal(NodeRole.Worker, node.Role);
        Assert.Equal(NodeAvailability.Active, node.Spec.Availability);
        Assert.Equal(NodeState.Ready, node.Status.State);
        Assert.Equal("10.0.0.5", node.Status.Address);
        Assert.Equal(Description("h1"), node.Description);
    }

    [Fact]
    public void A_returning_node_keeps_what_the_operator_set_and_takes_its_new_description()
    {
        var existing = new Node
        {
            Id = "n1",
            Version = 7,
            Role = NodeRole.Worker,
            Spec = new NodeSpec { DesiredRole = NodeRole.Worker, Availability = NodeAvailability.Drain, Labels = { ["zone"] = "a" } },
            Description = Description("old"),
            Status = new NodeStatus { State = NodeState.Down, Message = "no heartbeat for 15.0 s", Address = "10.0.0.4" },
        };

        var node = NodeRegistration.Registered(existing, "n1", Description("new"), "10.0.0.5");

        Assert.Equal(existing.Spec, node.Spec);
        Assert.Equal(7UL, node.Version);
        Assert.Equal("new", node.Description.Hostname);
        Assert.Equal(new NodeStatus { State = NodeState.Ready, Address = "10.0.0.5" }, node.Status);
        Assert.Equal(NodeState.Down, existing.Status.State);
    }

    [Fact]
    public void A_state_change_keeps_the_session_address()
    {
        var node = NodeRegistration.Registered(null, "n1", Description("h1"), "10.0.0.5");
        var down = NodeRegistration.WithState(node, NodeState.Down, "no heartbeat for 15.0 s");
        Assert.Equal(new NodeStatus { State = NodeState.Down, Message = "no heartbeat for 15.0 s", Address = "10.0.0.5" }, down.Status);
        Assert.Equal(NodeState.Ready, node.Status.State);
    }

    [Theory]
    [InlineData("ipv4:127.0.0.1:50122", "127.0.0.1")]
    [InlineData("ipv6:[::1]:5000", "::1")]
    [InlineData("ipv6:[fe80::1%eth0]:5000", "fe80::1%eth0")]
    [InlineData("unix:/run/x.sock", "unix:/run/x.sock")]
    [InlineData("", "")]
    public void The_session_address_is_the_peer_host(string peer, string host) => Assert.Equal(host, NodeRegistration.PeerHost(peer));

    [Theory]
    [InlineData("node-1")]
    [InlineData("a")]
    [InlineData("w.example_2")]
    public void Good_node_ids_pass(string id) => Assert.Null(NodeIds.Check(id));

    [Theory]
    [InlineData("", "node id is empty; allowed:")]
    [InlineData("-x", "node id '-x' is invalid; allowed:")]
    [InlineData("a b", "node id 'a b' is invalid; allowed:")]
    [InlineData("a/b", "node id 'a/b' is invalid; allowed:")]
    public void Bad_node_ids_are_named_with_what_is_allowed(string id, string start)
        => Assert.StartsWith(start, NodeIds.Check(id), StringComparison.Ordinal);
}
