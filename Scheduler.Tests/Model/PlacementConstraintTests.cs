using ClusterKit.Manager.Scheduling;
using static ClusterKit.Scheduler.Tests.TestCluster;

namespace ClusterKit.Scheduler.Tests.Model;

public sealed class PlacementConstraintTests
{
    [Theory]
    [InlineData("node.labels.zone==a", NodeAttributeKind.NodeLabel, "zone", true, "a")]
    [InlineData(" node.role != manager ", NodeAttributeKind.Role, "", false, "manager")]
    [InlineData("engine.labels.storage==ssd", NodeAttributeKind.EngineLabel, "storage", true, "ssd")]
    [InlineData("node.platform.arch==arm64", NodeAttributeKind.PlatformArch, "", true, "arm64")]
    [InlineData("NODE.HOSTNAME==web-1", NodeAttributeKind.Hostname, "", true, "web-1")]
    public void Parses_attribute_operator_and_value(string text, NodeAttributeKind kind, string key, bool equal, string value)
    {
        var c = PlacementConstraint.Parse(text);

        Assert.Equal(kind, c.Attribute.Kind);
        Assert.Equal(key, c.Attribute.LabelKey);
        Assert.Equal(equal, c.Equal);
        Assert.Equal(value, c.Value);
    }

    [Theory]
    [InlineData("node.labels.zone=a", "constraint \"node.labels.zone=a\" has no operator; allowed: ATTRIBUTE==VALUE or ATTRIBUTE!=VALUE")]
    [InlineData("node.colour==red", "constraint \"node.colour==red\" names unknown attribute \"node.colour\"; allowed: node.id, node.hostname, node.role, node.platform.os, node.platform.arch, node.labels.KEY, engine.labels.KEY")]
    [InlineData("node.role==", "constraint \"node.role==\" has an invalid value \"\"; allowed: one non-empty value without == or !=")]
    [InlineData("node.labels.==a", "constraint \"node.labels.==a\" names unknown attribute \"node.labels.\"; allowed: node.id, node.hostname, node.role, node.platform.os, node.platform.arch, node.labels.KEY, engine.labels.KEY")]
    public void Rejects_bad_text_with_one_line_naming_it(string text, string message)
    {
        var e = Assert.Throws<FormatException>(() => PlacementConstraint.Parse(text));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Missing_label_fails_equal_and_meets_not_equal()
    {
        var node = new NodeInfo(Node("n1"));

        Assert.False(PlacementConstraint.Parse("node.labels.zone==a").IsMetBy(node));
        Assert.True(PlacementConstraint.Parse("node.labels.zone!=a").IsMetBy(node));
    }

    [Fact]
    public void Values_compare_case_insensitively_like_swarm()
    {
        var node = new NodeInfo(Node("n1", zone: "EU-West"));

        Assert.True(PlacementConstraint.Parse("node.labels.zone==eu-west").IsMetBy(node));
        Assert.True(PlacementConstraint.Parse("node.role==worker").IsMetBy(node));
        Assert.True(PlacementConstraint.Parse("node.id==N1").IsMetBy(node));
    }

    [Fact]
    public void Preference_parses_spread_and_rejects_other_kinds()
    {
        Assert.Equal("zone", PlacementPreference.Parse("spread=node.labels.zone").Attribute.LabelKey);
        var e = Assert.Throws<FormatException>(() => PlacementPreference.Parse("pack=node.labels.zone"));
        Assert.Equal("placement preference \"pack=node.labels.zone\" is invalid; allowed: spread=ATTRIBUTE", e.Message);
    }

    [Fact]
    public void Spec_validation_names_service_field_value_and_range()
    {
        var e = Assert.Throws<ArgumentException>(() => Spec("web", maxPerNode: -1).Validate());
        Assert.Equal("service web: max replicas per node -1 is invalid; allowed: 0 (no limit) or more", e.Message);

        e = Assert.Throws<ArgumentException>(() => Spec("web", ports: [new HostPort(70000, PortProtocol.Tcp)]).Validate());
        Assert.Equal("service web: host port 70000 is invalid; allowed: 1-65535", e.Message);

        e = Assert.Throws<ArgumentException>(() => Spec("web", ports: [new HostPort(80, PortProtocol.Tcp), new HostPort(80, PortProtocol.Tcp)]).Validate());
        Assert.Equal("service web: host port 80/tcp is published twice; allowed: each port and protocol once", e.Message);
    }
}
