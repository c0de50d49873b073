using ClusterKit.Shared.Parsing;

namespace ClusterKit.Shared.Tests.Parsing;

public sealed class PortSpecTests
{
    [Fact]
    public void Host_and_container_port() =>
        Assert.Equal([new PublishedPort(string.Empty, 8080, 80, "tcp")], PortSpec.Parse("8080:80"));

    [Fact]
    public void Udp_with_host_address() =>
        Assert.Equal([new PublishedPort("127.0.0.1", 5353, 53, "udp")], PortSpec.Parse("127.0.0.1:5353:53/udp"));

    [Fact]
    public void Container_port_alone_publishes_on_the_same_number() =>
        Assert.Equal([new PublishedPort(string.Empty, 80, 80, "tcp")], PortSpec.Parse("80"));

    [Fact]
    public void Ranges_expand_pairwise()
    {
        var ports = PortSpec.Parse("2379-2380:2379-2380");
        Assert.Equal([2379, 2380], ports.Select(p => p.HostPort));
        Assert.Equal([2379, 2380], ports.Select(p => p.ContainerPort));
    }

    [Theory]
    [InlineData("80:x", "container port 'x'")]
    [InlineData("70000:80", "host port '70000'")]
    [InlineData("80:80/icmp", "protocol 'icmp'")]
    [InlineData("1-3:1-2", "ranges differ")]
    [InlineData("300.1.1.1:80:80", "not an IP address")]
    public void Rejects_malformed_mappings_with_the_reason(string text, string reason)
    {
        var error = Assert.Throws<SpecFormatException>(() => PortSpec.Parse(text));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{text}'", error.Message, StringComparison.Ordinal);
    }
}
