using System.Net;

namespace ClusterKit.Worker.Networking.Tests;

public sealed class NamingTests
{
    [Fact]
    public void Host_veth_is_ckv_and_the_first_eight_hex_digits_of_the_id()
    {
        var name = VethNames.HostEnd("0123abcd4567ef0123abcd4567ef0123abcd4567ef0123abcd4567ef01234567");

        Assert.Equal("ckv0123abcd", name);
        Assert.True(name.Length <= BridgeNetworkSettings.MaxInterfaceNameLength);
        Assert.True(VethNames.IsHostEnd(name));
    }

    [Theory]
    [InlineData("ckt12345678")]
    [InlineData("ckv1234567")]
    [InlineData("ckv1234567g")]
    [InlineData("ckv123456789")]
    [InlineData("eth0")]
    public void Only_ckv_plus_eight_hex_digits_counts_as_ours(string name) => Assert.False(VethNames.IsHostEnd(name));

    [Theory]
    [InlineData("web")]
    [InlineData("ABCDEF0123")]
    [InlineData("1234567")]
    public void Container_ids_must_be_lowercase_hex(string id)
    {
        var error = Assert.Throws<NetworkingException>(() => VethNames.HostEnd(id));

        Assert.Equal($"invalid container id '{id}': expected at least 8 lowercase hex digits", error.Message);
    }

    [Theory]
    [InlineData("10.88.0.2", "02:42:0a:58:00:02")]
    [InlineData("172.17.255.254", "02:42:ac:11:ff:fe")]
    public void Mac_is_02_42_and_the_address_bytes(string address, string mac) =>
        Assert.Equal(mac, MacAddresses.FromIPv4(IPAddress.Parse(address)));

    [Theory]
    [InlineData(null, NetworkMode.Bridge)]
    [InlineData("", NetworkMode.Bridge)]
    [InlineData("bridge", NetworkMode.Bridge)]
    [InlineData("host", NetworkMode.Host)]
    [InlineData("none", NetworkMode.None)]
    public void Network_modes_parse(string? text, NetworkMode mode) => Assert.Equal(mode, NetworkModes.Parse(text));

    [Fact]
    public void Unknown_network_mode_is_refused() =>
        Assert.Equal(
            "invalid network mode 'overlay': use bridge, host or none",
            Assert.Throws<NetworkingException>(() => NetworkModes.Parse("overlay")).Message);
}
