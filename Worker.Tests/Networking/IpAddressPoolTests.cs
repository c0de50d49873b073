using System.Net;

namespace ClusterKit.Worker.Networking.Tests;

public sealed class IpAddressPoolTests
{
    [Fact]
    public void First_container_gets_the_address_after_the_gateway()
    {
        var pool = new IpAddressPool(Ipv4Subnet.Parse("10.88.0.0/16"));

        Assert.Equal(IPAddress.Parse("10.88.0.2"), pool.Allocate("aaaa0001"));
        Assert.Equal(IPAddress.Parse("10.88.0.3"), pool.Allocate("aaaa0002"));
        Assert.Equal(65533, pool.Capacity);
    }

    [Fact]
    public void Never_hands_out_network_gateway_or_broadcast_and_says_when_exhausted()
    {
        var pool = new IpAddressPool(Ipv4Subnet.Parse("192.168.5.0/29"));
        var given = Enumerable.Range(0, 5).Select(i => pool.Allocate($"c{i}")).Select(a => a.ToString()).ToList();

        Assert.Equal(["192.168.5.2", "192.168.5.3", "192.168.5.4", "192.168.5.5", "192.168.5.6"], given);
        var error = Assert.Throws<NetworkingException>(() => pool.Allocate("c5"));
        Assert.Equal("subnet 192.168.5.0/29 is exhausted: all 5 container addresses are in use; release one or configure a larger subnet", error.Message);
    }

    [Fact]
    public void Allocating_again_for_the_same_container_returns_its_address()
    {
        var pool = new IpAddressPool(Ipv4Subnet.Parse("10.88.0.0/24"));
        var first = pool.Allocate("c1");

        Assert.Equal(first, pool.Allocate("c1"));
        Assert.Equal(1, pool.Count);
    }

    [Fact]
    public void Released_address_is_reused_only_after_the_rest_of_the_subnet()
    {
        var pool = new IpAddressPool(Ipv4Subnet.Parse("10.0.0.0/29"));
        pool.Allocate("c1");
        pool.Allocate("c2");

        Assert.True(pool.Release("c1"));
        Assert.False(pool.Release("c1"));
        Assert.Null(pool.AddressOf("c1"));
        Assert.Equal("10.0.0.4", pool.Allocate("c3").ToString());
        Assert.Equal("10.0.0.5", pool.Allocate("c4").ToString());
        Assert.Equal("10.0.0.6", pool.Allocate("c5").ToString());
        Assert.Equal("10.0.0.2", pool.Allocate("c6").ToString());
    }

    [Fact]
    public void Restore_reserves_the_records_and_continues_after_the_highest()
    {
        var pool = new IpAddressPool(Ipv4Subnet.Parse("10.88.0.0/16"));
        pool.Allocate("old");

        pool.Restore([KeyValuePair.Create("web", IPAddress.Parse("10.88.0.7")), KeyValuePair.Create("db", IPAddress.Parse("10.88.0.3"))]);

        Assert.Null(pool.AddressOf("old"));
        Assert.Equal(IPAddress.Parse("10.88.0.7"), pool.AddressOf("web"));
        Assert.Equal(IPAddress.Parse("10.88.0.8"), pool.Allocate("new"));
    }

    [Theory]
    [InlineData("10.89.0.5", "address 10.89.0.5 of container c2 is outside the bridge subnet 10.88.0.0/24")]
    [InlineData("10.88.0.0", "address 10.88.0.0 of container c2 is the network, gateway or broadcast address of 10.88.0.0/24; containers get 10.88.0.2 to 10.88.0.254")]
    [InlineData("10.88.0.1", "address 10.88.0.1 of container c2 is the network, gateway or broadcast address of 10.88.0.0/24; containers get 10.88.0.2 to 10.88.0.254")]
    [InlineData("10.88.0.255", "address 10.88.0.255 of container c2 is the network, gateway or broadcast address of 10.88.0.0/24; containers get 10.88.0.2 to 10.88.0.254")]
    [InlineData("10.88.0.9", "address 10.88.0.9 is already held by container c1; it cannot also go to container c2")]
    public void Reserve_refuses_addresses_the_container_cannot_have(string address, string message)
    {
        var pool = new IpAddressPool(Ipv4Subnet.Parse("10.88.0.0/24"));
        pool.Reserve("c1", IPAddress.Parse("10.88.0.9"));

        var error = Assert.Throws<NetworkingException>(() => pool.Reserve("c2", IPAddress.Parse(address)));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Reserve_refuses_a_second_address_for_a_container()
    {
        var pool = new IpAddressPool(Ipv4Subnet.Parse("10.88.0.0/24"));
        pool.Reserve("c1", IPAddress.Parse("10.88.0.9"));
        pool.Reserve("c1", IPAddress.Parse("10.88.0.9"));

        var error = Assert.Throws<NetworkingException>(() => pool.Reserve("c1", IPAddress.Parse("10.88.0.10")));

        Assert.Equal("container c1 already holds 10.88.0.9; it cannot also hold 10.88.0.10", error.Message);
    }
}
