using ClusterKit.Worker.Containers;

namespace ClusterKit.Worker.Tests.Containers;

public sealed class ContainerFilesTests
{
    [Fact]
    public void Hosts_names_the_container_at_its_address()
    {
        var hosts = ContainerFiles.Hosts("web", "10.88.0.2");
        Assert.StartsWith("127.0.0.1\tlocalhost\n", hosts, StringComparison.Ordinal);
        Assert.EndsWith("10.88.0.2\tweb\n", hosts, StringComparison.Ordinal);
    }

    [Fact]
    public void Loopback_resolvers_are_replaced_by_the_fallbacks_in_a_private_network()
    {
        var conf = ContainerFiles.ResolvConf("search lan\nnameserver 127.0.0.53\noptions edns0\n", hostNetwork: false, ["1.1.1.1"]);
        Assert.Equal("search lan\noptions edns0\nnameserver 1.1.1.1\n", conf);
    }

    [Fact]
    public void Reachable_resolvers_are_kept()
    {
        var conf = ContainerFiles.ResolvConf("nameserver 192.0.2.53\n", hostNetwork: false, ["1.1.1.1"]);
        Assert.Equal("nameserver 192.0.2.53\n", conf);
    }

    [Fact]
    public void Host_network_keeps_the_hosts_file_unchanged() =>
        Assert.Equal("nameserver 127.0.0.53\n", ContainerFiles.ResolvConf("nameserver 127.0.0.53\n", hostNetwork: true, ["1.1.1.1"]));
}
