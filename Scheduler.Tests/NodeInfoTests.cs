using ClusterKit.Manager.Scheduling;
using static ClusterKit.Scheduler.Tests.TestCluster;

namespace ClusterKit.Scheduler.Tests;

public sealed class NodeInfoTests
{
    [Fact]
    public void Reservable_is_total_minus_system_reserved()
    {
        var node = new NodeInfo(Node("n1", cpus: 4, memoryGiB: 8) with
        {
            Resources = new NodeResources { TotalNanoCpus = 4 * Core, TotalMemoryBytes = 8 * GiB, ReservedNanoCpus = Core, ReservedMemoryBytes = 2 * GiB },
        });

        Assert.Equal(3 * Core, node.AvailableNanoCpus);
        Assert.Equal(6 * GiB, node.AvailableMemoryBytes);
    }

    [Fact]
    public void Add_then_remove_restores_every_counter()
    {
        var node = new NodeInfo(Node("n1", generic: new Dictionary<string, long> { ["fpga"] = 2 }, named: new Dictionary<string, IReadOnlyList<string>> { ["gpu"] = ["GPU-1", "GPU-0"] }));
        var demand = new TaskDemand("web", Core, GiB, new Dictionary<string, long> { ["gpu"] = 1, ["fpga"] = 1 }, [new HostPort(80, PortProtocol.Tcp)]);

        Assert.True(node.AddTask("t1", demand));
        Assert.False(node.AddTask("t1", demand));
        Assert.Equal(3 * Core, node.AvailableNanoCpus);
        Assert.Equal(7 * GiB, node.AvailableMemoryBytes);
        Assert.Equal(1, node.TasksOf("web"));
        Assert.True(node.IsHostPortInUse(new HostPort(80, PortProtocol.Tcp)));
        Assert.False(node.IsHostPortInUse(new HostPort(80, PortProtocol.Udp)));
        Assert.Equal(1, node.AvailableGeneric("fpga"));
        Assert.Equal(["GPU-1"], node.FreeNamedGeneric("gpu"));
        Assert.True(node.TryGetTask("t1", out var placed));
        Assert.Equal([new NamedResourceItem("gpu", "GPU-0")], placed.NamedResources);

        Assert.True(node.RemoveTask("t1"));
        Assert.False(node.RemoveTask("t1"));
        Assert.Equal(4 * Core, node.AvailableNanoCpus);
        Assert.Equal(8 * GiB, node.AvailableMemoryBytes);
        Assert.Equal(0, node.TasksOf("web"));
        Assert.Equal(0, node.TaskCount);
        Assert.False(node.IsHostPortInUse(new HostPort(80, PortProtocol.Tcp)));
        Assert.Equal(2, node.AvailableGeneric("fpga"));
        Assert.Equal(["GPU-0", "GPU-1"], node.FreeNamedGeneric("gpu"));
    }

    [Fact]
    public void Store_assigned_named_items_are_taken_as_given()
    {
        var node = new NodeInfo(Node("n1", named: new Dictionary<string, IReadOnlyList<string>> { ["gpu"] = ["GPU-0", "GPU-1"] }));
        var demand = new TaskDemand("ml", 0, 0, new Dictionary<string, long> { ["gpu"] = 1 });

        node.AddTask("t1", demand, [new NamedResourceItem("gpu", "GPU-1")]);

        Assert.Equal(["GPU-0"], node.FreeNamedGeneric("gpu"));
    }

    [Fact]
    public void Update_description_keeps_tasks_and_their_usage()
    {
        var node = new NodeInfo(Node("n1", cpus: 4));
        node.AddTask("t1", new TaskDemand("web", Core, GiB));

        node.UpdateDescription(Node("n1", cpus: 8, availability: NodeAvailability.Drain));

        Assert.Equal(7 * Core, node.AvailableNanoCpus);
        Assert.Equal(NodeAvailability.Drain, node.Description.Availability);
        var e = Assert.Throws<ArgumentException>(() => node.UpdateDescription(Node("n2")));
        Assert.Equal("node n1: cannot take the description of node n2; allowed: the same node id", e.Message);
    }

    [Fact]
    public void Clone_is_independent()
    {
        var cluster = Cluster(Node("n1"));
        cluster.AddTask("n1", "t1", new TaskDemand("web", Core, GiB));
        var copy = cluster.Clone();

        copy.RemoveTask("n1", "t1");

        Assert.Equal(1, cluster.Find("n1")!.TaskCount);
        Assert.Equal(0, copy.Find("n1")!.TaskCount);
    }
}
