using System.Net;

namespace ClusterKit.Worker.Networking.Tests;

/// <summary>The bridge network's sequencing and bookkeeping against a scripted host.</summary>
public sealed class BridgeNetworkTests : IDisposable
{
    private const string WebId = "0123456789abcdef0123456789abcdef";
    private const string ApiId = "fedcba9876543210fedcba9876543210";

    private readonly ScriptedCommandRunner _runner = new();
    private readonly FixedPortProbe _probe = new();
    private readonly BridgeNetwork _network;

    public BridgeNetworkTests()
    {
        _network = new BridgeNetwork(new BridgeNetworkOptions(), _runner, _probe, new IpVethDriver(_runner));
    }

    public void Dispose() => _network.Dispose();

    [Fact]
    public async Task Ensure_bridge_creates_a_missing_bridge_sets_sysctls_and_applies_the_table()
    {
        _runner.Answer("ip -d -j link show dev ck0", 1, standardError: "Device \"ck0\" does not exist.\n");

        await _network.EnsureBridgeAsync();

        Assert.Equal(
            [
                "ip -d -j link show dev ck0",
                "ip -batch -",
                "sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.ck0.route_localnet=1",
                "nft -f -",
            ],
            _runner.Commands);
        Assert.StartsWith("link add ck0 ", _runner.Calls[1].Input, StringComparison.Ordinal);
        Assert.Equal(NftRuleset.Render(_network.Settings, []), _runner.Calls[3].Input);
    }

    [Fact]
    public async Task Ensure_bridge_refuses_a_link_of_another_kind()
    {
        _runner.Answer("ip -d -j link show dev ck0", 0, """[{"ifname":"ck0","linkinfo":{"info_kind":"veth"}}]""");

        var error = await Assert.ThrowsAsync<NetworkingException>(() => _network.EnsureBridgeAsync());

        Assert.Equal("link ck0 exists but is a veth; choose another bridge name", error.Message);
        Assert.Single(_runner.Commands);
    }

    [Fact]
    public async Task Attach_runs_one_host_batch_one_container_batch_and_applies_the_ports()
    {
        var attachment = await _network.AttachAsync(Request(WebId, "web", "8080:80"));

        Assert.Equal(["ip -batch -", "nsenter --net=/proc/4242/ns/net ip -batch -", "nft -f -"], _runner.Commands);
        var plan = new VethPlan(
            "ckv01234567", "ck0", 1500, "eth0", "02:42:0a:58:00:02", IPAddress.Parse("10.88.0.2"), 16, IPAddress.Parse("10.88.0.1"), "/proc/4242/ns/net");
        Assert.Equal(IpCommands.CreateVeth(plan), _runner.Calls[0].Input);
        Assert.Equal(IpCommands.ConfigureContainerInterface(plan), _runner.Calls[1].Input);
        Assert.Contains("tcp dport 8080 dnat ip to 10.88.0.2:80", _runner.Calls[2].Input, StringComparison.Ordinal);
        Assert.Equal(
            new NetworkAttachment(WebId, NetworkMode.Bridge, IPAddress.Parse("10.88.0.2"), 16, IPAddress.Parse("10.88.0.1"), "02:42:0a:58:00:02", "ckv01234567", attachment.Ports),
            attachment);
    }

    [Fact]
    public async Task Attach_without_ports_leaves_the_table_alone()
    {
        await _network.AttachAsync(Request(WebId, "web"));

        Assert.DoesNotContain("nft -f -", _runner.Commands);
    }

    [Theory]
    [InlineData(NetworkMode.Host)]
    [InlineData(NetworkMode.None)]
    public async Task Host_and_none_modes_touch_nothing(NetworkMode mode)
    {
        var attachment = await _network.AttachAsync(Request(WebId, "web", "8080:80") with { Mode = mode });

        Assert.Empty(_runner.Commands);
        Assert.Equal(NetworkAttachment.Unnetworked(WebId, mode), attachment);
        Assert.Empty(_network.Endpoints);
    }

    [Fact]
    public async Task Port_published_by_another_container_is_refused_before_any_command()
    {
        await _network.AttachAsync(Request(WebId, "web", "8080:80"));
        var before = _runner.Commands.Count;

        var error = await Assert.ThrowsAsync<NetworkingException>(() => _network.AttachAsync(Request(ApiId, "api", "8080:3000")));

        Assert.Equal("port 8080/tcp is already published by container web (0123456789ab)", error.Message);
        Assert.Equal(before, _runner.Commands.Count);
    }

    [Fact]
    public async Task Port_held_by_another_process_or_on_a_foreign_address_is_refused()
    {
        _probe.With(8080, HostPortState.InUse).With(9090, HostPortState.AddressNotLocal);

        var inUse = await Assert.ThrowsAsync<NetworkingException>(() => _network.AttachAsync(Request(WebId, "web", "8080:80")));
        var foreign = await Assert.ThrowsAsync<NetworkingException>(() => _network.AttachAsync(Request(WebId, "web", "192.0.2.1:9090:80")));

        Assert.Equal("port 8080/tcp is in use by another process on this host (any address); publish a different host port", inUse.Message);
        Assert.Equal("cannot publish 192.0.2.1:9090->80/tcp: host address 192.0.2.1 is not an address of this host", foreign.Message);
        Assert.Empty(_runner.Commands);
    }

    [Fact]
    public async Task Mappings_built_elsewhere_are_checked_and_0_0_0_0_means_any_address()
    {
        var v6 = ContainerNetworkRequest.ForProcess(WebId, "web", NetworkMode.Bridge, 4242, [new PortMapping(IPAddress.IPv6Loopback, 8080, 80, TransportProtocol.Tcp)]);
        var zero = ContainerNetworkRequest.ForProcess(WebId, "web", NetworkMode.Bridge, 4242, [new PortMapping(IPAddress.Any, 8080, 80, TransportProtocol.Tcp)]);

        var error = await Assert.ThrowsAsync<NetworkingException>(() => _network.AttachAsync(v6));
        var attachment = await _network.AttachAsync(zero);

        Assert.Equal("invalid port mapping '::1:8080->80/tcp': host address '::1' is IPv6; the bridge network publishes on IPv4 addresses only", error.Message);
        Assert.Equal([new PortMapping(null, 8080, 80, TransportProtocol.Tcp)], attachment.Ports);
        Assert.Contains("fib daddr type local tcp dport 8080 dnat ip to 10.88.0.2:80", _runner.Calls[^1].Input, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failed_container_side_deletes_the_veth_and_frees_address_and_ports()
    {
        _runner.Answer("nsenter", 2, standardError: "RTNETLINK answers: File exists\n", times: 1);

        var error = await Assert.ThrowsAsync<NetworkingException>(() => _network.AttachAsync(Request(WebId, "web", "8080:80")));

        Assert.StartsWith("could not attach container web (0123456789ab) to bridge ck0: nsenter --net=/proc/4242/ns/net ip -batch - exited with 2: RTNETLINK answers: File exists", error.Message, StringComparison.Ordinal);
        Assert.Equal("ip link del dev ckv01234567", _runner.Commands[^1]);
        Assert.Empty(_network.Endpoints);
        var retry = await _network.AttachAsync(Request(ApiId, "api", "8080:80"));
        Assert.Equal(IPAddress.Parse("10.88.0.3"), retry.Address);
    }

    [Fact]
    public async Task Attaching_twice_is_refused()
    {
        await _network.AttachAsync(Request(WebId, "web"));

        var error = await Assert.ThrowsAsync<NetworkingException>(() => _network.AttachAsync(Request(WebId, "web")));

        Assert.Equal("container web (0123456789ab) is already attached to bridge ck0; detach it first", error.Message);
    }

    [Fact]
    public async Task Ids_sharing_the_veth_name_are_refused_before_any_command()
    {
        await _network.AttachAsync(Request(WebId, "web"));
        var before = _runner.Commands.Count;

        var error = await Assert.ThrowsAsync<NetworkingException>(() => _network.AttachAsync(Request("01234567ffffffff", "twin")));

        Assert.Equal("container twin (01234567ffff) and container web (0123456789ab) share the first 8 hex digits of their ids; veth ckv01234567 is taken", error.Message);
        Assert.Equal(before, _runner.Commands.Count);
    }

    [Fact]
    public async Task Detach_deletes_the_veth_and_drops_the_port_rules()
    {
        await _network.AttachAsync(Request(WebId, "web", "8080:80"));

        await _network.DetachAsync(WebId);

        Assert.Equal(["ip link del dev ckv01234567", "nft -f -"], _runner.Commands.Skip(3));
        Assert.DoesNotContain("dport 8080", _runner.Calls[^1].Input, StringComparison.Ordinal);
        Assert.Empty(_network.Endpoints);
    }

    [Fact]
    public async Task Detach_of_a_container_whose_veth_is_gone_succeeds()
    {
        _runner.Answer("ip link del", 1, standardError: "Cannot find device \"ckv01234567\"\n");

        await _network.DetachAsync(WebId);

        Assert.Equal(["ip link del dev ckv01234567"], _runner.Commands);
    }

    [Fact]
    public async Task Rebuild_with_clashing_records_changes_nothing()
    {
        await _network.AttachAsync(Request(WebId, "web", "8080:80"));
        var before = _runner.Commands.Count;
        ContainerEndpoint[] records =
        [
            new(WebId, "web", IPAddress.Parse("10.88.0.2"), PortMappingParser.Parse("8080:80")),
            new(ApiId, "api", IPAddress.Parse("10.88.0.2"), []),
        ];

        var error = await Assert.ThrowsAsync<NetworkingException>(() => _network.RebuildAsync(records));

        Assert.Equal($"address 10.88.0.2 is already held by container {WebId}; it cannot also go to container {ApiId}", error.Message);
        Assert.Equal(before, _runner.Commands.Count);
        Assert.Equal([WebId], _network.Endpoints.Select(e => e.ContainerId));
    }

    [Fact]
    public async Task Rebuild_removes_only_unknown_ckv_links_on_the_bridge()
    {
        _runner.Answer("ip -d -j link show dev ck0", 0, """[{"ifname":"ck0","linkinfo":{"info_kind":"bridge"}}]""");
        _runner.Answer("ip -j link show master ck0", 0, """[{"ifname":"ckv01234567"},{"ifname":"ckvdeadbeef"},{"ifname":"vethother"}]""");
        ContainerEndpoint[] records = [new(WebId, "web", IPAddress.Parse("10.88.0.9"), [])];

        var report = await _network.RebuildAsync(records);

        Assert.Equal(1, report.RestoredContainers);
        Assert.Equal(["ckvdeadbeef"], report.RemovedInterfaces);
        Assert.Contains("ip link del dev ckvdeadbeef", _runner.Commands);
        Assert.DoesNotContain("ip link del dev ckv01234567", _runner.Commands);
        Assert.DoesNotContain("ip link del dev vethother", _runner.Commands);
        Assert.Equal(IPAddress.Parse("10.88.0.10"), (await _network.AttachAsync(Request(ApiId, "api"))).Address);
    }

    private static ContainerNetworkRequest Request(string id, string name, params string[] ports) =>
        ContainerNetworkRequest.ForProcess(id, name, NetworkMode.Bridge, 4242, PortMappingParser.ParseAll(ports));
}
