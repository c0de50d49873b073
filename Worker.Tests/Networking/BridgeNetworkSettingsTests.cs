namespace ClusterKit.Worker.Networking.Tests;

public sealed class BridgeNetworkSettingsTests
{
    [Fact]
    public void Defaults_are_ck0_10_88_0_0_16_inet_clusterkit_1500()
    {
        var settings = BridgeNetworkSettings.From(new BridgeNetworkOptions());

        Assert.Equal("ck0", settings.BridgeName);
        Assert.Equal("10.88.0.0/16", settings.Subnet.ToString());
        Assert.Equal("10.88.0.1", settings.Gateway.ToString());
        Assert.Equal("inet clusterkit", settings.QualifiedTableName);
        Assert.Equal(1500, settings.Mtu);
    }

    public static TheoryData<BridgeNetworkOptions, string> InvalidOptions => new()
    {
        { new() { BridgeName = "" }, "invalid bridge name '': use 1 to 15 letters, digits, '_' or '-', starting with a letter" },
        { new() { BridgeName = "a-very-long-bridge" }, "invalid bridge name 'a-very-long-bridge': use 1 to 15 letters, digits, '_' or '-', starting with a letter" },
        { new() { BridgeName = "ck.0" }, "invalid bridge name 'ck.0': use 1 to 15 letters, digits, '_' or '-', starting with a letter" },
        { new() { Subnet = "10.0.0.0/31" }, "invalid subnet '10.0.0.0/31': the prefix must be from /8 to /30 (network, gateway, one container and broadcast at least)" },
        { new() { Subnet = "10.0.0.0/7" }, "invalid subnet '10.0.0.0/7': the prefix must be from /8 to /30 (network, gateway, one container and broadcast at least)" },
        { new() { TableFamily = "ip6" }, "invalid nftables family 'ip6': use inet or ip" },
        { new() { TableName = "my table" }, "invalid nftables table name 'my table': use up to 64 letters, digits, '_' or '-', starting with a letter" },
        { new() { Mtu = 100 }, "invalid MTU 100: use 576 to 65535" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Rejects_bad_options_naming_the_value_and_what_is_allowed(BridgeNetworkOptions options, string message)
    {
        var error = Assert.Throws<NetworkingException>(() => BridgeNetworkSettings.From(options));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Accepts_the_ip_family_and_a_small_subnet()
    {
        var settings = BridgeNetworkSettings.From(new BridgeNetworkOptions { TableFamily = "ip", Subnet = "192.168.7.0/30", BridgeName = "br-test_1" });

        Assert.Equal("ip clusterkit", settings.QualifiedTableName);
        Assert.Equal("192.168.7.1", settings.Gateway.ToString());
    }
}
