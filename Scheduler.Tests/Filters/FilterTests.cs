using ClusterKit.Manager.Scheduling;
using ClusterKit.Manager.Scheduling.Filters;
using static ClusterKit.Scheduler.Tests.TestCluster;

namespace ClusterKit.Scheduler.Tests.Filters;

public sealed class FilterTests
{
    private static (int Reason, string Text) Run(INodeFilter filter, NodeDescription node, PlacementSpec spec, Action<NodeInfo>? prepare = null)
    {
        var info = new NodeInfo(node);
        prepare?.Invoke(info);
        var batch = new BatchContext(spec);
        var reason = filter.Check(info, batch);
        return (reason, reason == 0 ? string.Empty : filter.Explain(reason, batch));
    }

    [Theory]
    [InlineData(NodeState.Ready, NodeAvailability.Active, "")]
    [InlineData(NodeState.Ready, NodeAvailability.Pause, "paused")]
    [InlineData(NodeState.Ready, NodeAvailability.Drain, "drained")]
    [InlineData(NodeState.Down, NodeAvailability.Active, "down")]
    [InlineData(NodeState.Disconnected, NodeAvailability.Active, "disconnected")]
    [InlineData(NodeState.Unknown, NodeAvailability.Drain, "state unknown")]
    public void Ready_filter_takes_only_ready_active_nodes(NodeState state, NodeAvailability availability, string expected)
    {
        var (_, text) = Run(ReadyFilter.Instance, Node("n", state: state, availability: availability), Spec("s"));
        Assert.Equal(expected, text);
    }

    [Fact]
    public void Constraint_filter_ands_constraints_and_blames_the_first_unmet()
    {
        var spec = Spec("s", constraints: ["node.role==worker", "node.labels.zone==a", "node.hostname!=host-n"]);

        Assert.Equal("constraint node.labels.zone==a not met", Run(ConstraintFilter.Instance, Node("n", zone: "b"), spec).Text);
        Assert.Equal("constraint node.hostname!=host-n not met", Run(ConstraintFilter.Instance, Node("n", zone: "a"), spec).Text);
        Assert.Equal(0, Run(ConstraintFilter.Instance, Node("m", zone: "a"), spec).Reason);
        Assert.Equal("constraint node.role==worker not met", Run(ConstraintFilter.Instance, Node("m", zone: "a", role: NodeRole.Manager), spec).Text);
    }

    [Fact]
    public void Constraint_filter_reads_engine_labels_and_platform()
    {
        var node = Node("n", platform: new Platform("linux", "aarch64")) with { EngineLabels = new Dictionary<string, string> { ["disk"] = "ssd" } };

        Assert.Equal(0, Run(ConstraintFilter.Instance, node, Spec("s", constraints: ["engine.labels.disk==ssd", "node.platform.arch==arm64", "node.platform.os==linux"])).Reason);
        Assert.NotEqual(0, Run(ConstraintFilter.Instance, node, Spec("s", constraints: ["engine.labels.disk!=ssd"])).Reason);
    }

    [Fact]
    public void Platform_filter_folds_architecture_aliases()
    {
        var spec = Spec("s", platforms: [new Platform("linux", "amd64"), new Platform("linux", "arm64")]);

        Assert.Equal(0, Run(PlatformFilter.Instance, Node("n", platform: new Platform("Linux", "x86_64")), spec).Reason);
        Assert.Equal(0, Run(PlatformFilter.Instance, Node("n", platform: new Platform("linux", "aarch64")), spec).Reason);
        Assert.Equal("platform not linux/amd64 or linux/arm64", Run(PlatformFilter.Instance, Node("n", platform: new Platform("windows", "amd64")), spec).Text);
    }

    [Fact]
    public void Resource_filter_names_the_missing_resource()
    {
        Assert.Equal("insufficient cpu", Run(ResourceFilter.Instance, Node("n", cpus: 1), Spec("s", cpus: 2)).Text);
        Assert.Equal("insufficient memory", Run(ResourceFilter.Instance, Node("n", memoryGiB: 1), Spec("s", memoryGiB: 2)).Text);
        Assert.Equal("insufficient generic resource gpu", Run(ResourceFilter.Instance, Node("n"), Spec("s", generic: new Dictionary<string, long> { ["gpu"] = 1 })).Text);
        Assert.Equal(0, Run(ResourceFilter.Instance, Node("n", cpus: 2, memoryGiB: 2), Spec("s", cpus: 2, memoryGiB: 2)).Reason);
        Assert.Equal("insufficient memory", Run(ResourceFilter.Instance, Node("n", cpus: 4, memoryGiB: 2), Spec("s", cpus: 1, memoryGiB: 1), n => n.AddTask("x", new TaskDemand("o", 0, GiB + 1))).Text);
    }

    [Fact]
    public void Host_port_filter_is_per_port_and_protocol()
    {
        var spec = Spec("s", ports: [new HostPort(53, PortProtocol.Udp), new HostPort(80, PortProtocol.Tcp)]);
        void Hold80Tcp(NodeInfo n) => n.AddTask("x", new TaskDemand("o", 0, 0, null, [new HostPort(80, PortProtocol.Tcp)]));
        void Hold53Tcp(NodeInfo n) => n.AddTask("x", new TaskDemand("o", 0, 0, null, [new HostPort(53, PortProtocol.Tcp)]));

        Assert.Equal("host port 80/tcp in use", Run(HostPortFilter.Instance, Node("n"), spec, Hold80Tcp).Text);
        Assert.Equal(0, Run(HostPortFilter.Instance, Node("n"), spec, Hold53Tcp).Reason);
    }

    [Fact]
    public void Max_replicas_filter_counts_only_the_service()
    {
        var spec = Spec("web", maxPerNode: 2);
        void TwoWeb(NodeInfo n)
        {
            n.AddTask("a", spec.Demand);
            n.AddTask("b", spec.Demand);
        }

        void TwoOther(NodeInfo n)
        {
            n.AddTask("a", new TaskDemand("db", 0, 0));
            n.AddTask("b", new TaskDemand("db", 0, 0));
        }

        Assert.Equal("max replicas per node (2) reached", Run(MaxReplicasFilter.Instance, Node("n"), spec, TwoWeb).Text);
        Assert.Equal(0, Run(MaxReplicasFilter.Instance, Node("n"), spec, TwoOther).Reason);
        Assert.False(MaxReplicasFilter.Instance.AppliesTo(new BatchContext(Spec("web"))));
        Assert.Equal("already runs a task of this global service", Run(MaxReplicasFilter.Instance, Node("n"), Spec("web", mode: ServiceMode.Global), n => n.AddTask("a", spec.Demand)).Text);
    }
}
