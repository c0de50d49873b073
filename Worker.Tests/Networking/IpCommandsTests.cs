using System.Net;

namespace ClusterKit.Worker.Networking.Tests;

public sealed class IpCommandsTests
{
    private static readonly BridgeNetworkSettings Settings = BridgeNetworkSettings.From(new BridgeNetworkOptions { Mtu = 1450 });

    private static readonly VethPlan Plan = new(
        "ckv0123abcd", "ck0", 1450, "eth0", "02:42:0a:58:00:07", IPAddress.Parse("10.88.0.7"), 16, IPAddress.Parse("10.88.0.1"), "/proc/42/ns/net");

    [Fact]
    public void Missing_bridge_is_created_with_a_fixed_mac_then_addressed_and_brought_up() =>
        Assert.Equal(
            "link add ck0 address 02:42:0a:58:00:01 mtu 1450 type bridge\naddr replace 10.88.0.1/16 dev ck0\nlink set ck0 mtu 1450 up\n",
            IpCommands.CreateBridge(Settings, exists: false));

    [Fact]
    public void Existing_bridge_is_only_addressed_and_brought_up() =>
        Assert.Equal("addr replace 10.88.0.1/16 dev ck0\nlink set ck0 mtu 1450 up\n", IpCommands.CreateBridge(Settings, exists: true));

    [Fact]
    public void Veth_is_one_link_add_with_the_peer_named_eth0_in_the_container_namespace_then_hairpin_on() =>
        Assert.Equal(
            "link add ckv0123abcd mtu 1450 master ck0 up type veth peer name eth0 address 02:42:0a:58:00:07 mtu 1450 netns /proc/42/ns/net\n"
            + "link set dev ckv0123abcd type bridge_slave hairpin on\n",
            IpCommands.CreateVeth(Plan));

    [Fact]
    public void Container_side_gets_address_link_up_and_default_route() =>
        Assert.Equal(
            "addr add 10.88.0.7/16 dev eth0\nlink set eth0 up\nroute add default via 10.88.0.1 dev eth0\n",
            IpCommands.ConfigureContainerInterface(Plan));
}
