using System.Net;

namespace ClusterKit.Worker.Networking.Tests;

public sealed class Ipv4SubnetTests
{
    [Fact]
    public void Parses_network_gateway_and_broadcast()
    {
        var subnet = Ipv4Subnet.Parse("10.88.0.0/16");

        Assert.Equal("10.88.0.0/16", subnet.ToString());
        Assert.Equal(IPAddress.Parse("10.88.0.1"), subnet.Gateway);
        Assert.Equal(IPAddress.Parse("10.88.255.255"), Ipv4Subnet.ToAddress(subnet.Broadcast));
        Assert.True(subnet.Contains(IPAddress.Parse("10.88.200.3")));
        Assert.False(subnet.Contains(IPAddress.Parse("10.89.0.1")));
        Assert.False(subnet.Contains(IPAddress.IPv6Loopback));
    }

    [Theory]
    [InlineData("10.88.0.0", "expected an IPv4 network in CIDR form")]
    [InlineData("10.88.0.0/33", "expected an IPv4 network in CIDR form")]
    [InlineData("fd00::/64", "expected an IPv4 network in CIDR form")]
    [InlineData("10.88.0.0/x", "expected an IPv4 network in CIDR form")]
    [InlineData("10.88.0.1/16", "host bits are set; the network is 10.88.0.0/16")]
    public void Rejects_what_is_not_an_ipv4_network(string text, string reason)
    {
        var error = Assert.Throws<NetworkingException>(() => Ipv4Subnet.Parse(text));

        Assert.Equal($"invalid subnet '{text}': {reason}" + (reason.StartsWith("expected", StringComparison.Ordinal) ? " such as 10.88.0.0/16" : string.Empty), error.Message);
    }
}
