using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ClusterKit.TestKit;

namespace ClusterKit.Worker.Networking.Tests.Kernel;

/// <summary>The kernel tests with veths made over rtnetlink (the default driver).</summary>
public sealed class NetlinkBridgeNetworkKernelTests : BridgeNetworkKernelTests
{
    protected override bool Netlink => true;

    [Fact]
    public async Task A_pid_still_in_the_host_namespace_is_refused()
    {
        // A process that has not left the host namespace (here: the test's host) would get eth0 on the host itself.
        await using var sleeper = await FakeContainer.InExistingNamespaceAsync(Host.Name);

        var error = await Assert.ThrowsAsync<NetworkingException>(() => Network.AttachAsync(
            ContainerNetworkRequest.ForProcess(sleeper.Id, "stuck", NetworkMode.Bridge, sleeper.Pid, [])));

        Assert.Contains($"network namespace /proc/{sleeper.Pid}/ns/net (net:[", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("is the host's own; a bridge-mode container needs its own network namespace", error.Message, StringComparison.Ordinal);
        Assert.False(await Host.LinkExistsAsync("ckv" + sleeper.Id[..8]));
        Assert.False(await Host.LinkExistsAsync("eth0"));
    }
}

/// <summary>The kernel tests with veths made by `ip -batch` (the fallback driver).</summary>
public sealed class IpBridgeNetworkKernelTests : BridgeNetworkKernelTests
{
    protected override bool Netlink => false;
}

/// <summary>
/// The bridge network against the real kernel. Each test runs in its own "host" network
/// namespace with its own containers' namespaces; nothing outside them is touched.
/// </summary>
public abstract class BridgeNetworkKernelTests : IAsyncLifetime
{
    private HostNamespace _host = null!;
    private BridgeNetwork _network = null!;

    private protected HostNamespace Host => _host;

    private protected BridgeNetwork Network => _network;

    protected abstract bool Netlink { get; }


    public async Task InitializeAsync()
    {
        _host = await HostNamespace.CreateAsync();
        _network = _host.CreateNetwork(Netlink);
        try
        {
            await _network.EnsureBridgeAsync();
        }
        catch
        {
            // xunit does not call DisposeAsync when InitializeAsync throws.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        _network.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Ensure_bridge_creates_an_addressed_bridge_with_forwarding_and_route_localnet()
    {
        var bridge = _host.Options.BridgeName;
        using var json = JsonDocument.Parse(await _host.InAsync("ip", "-d", "-j", "addr", "show", "dev", bridge));
        var link = json.RootElement[0];
        Assert.Equal("bridge", link.GetProperty("linkinfo").GetProperty("info_kind").GetString());
        Assert.Contains("UP", link.GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal("02:42:0a:58:00:01", link.GetProperty("address").GetString());
        var address = link.GetProperty("addr_info").EnumerateArray().Single(a => a.GetProperty("family").GetString() == "inet");
        Assert.Equal("10.88.0.1", address.GetProperty("local").GetString());
        Assert.Equal(16, address.GetProperty("prefixlen").GetInt32());
        Assert.Equal("1", (await _host.InAsync("sysctl", "-n", "net.ipv4.ip_forward")).Trim());
        Assert.Equal("1", (await _host.InAsync("sysctl", "-n", $"net.ipv4.conf.{bridge}.route_localnet")).Trim());
        Assert.NotNull(await _host.ListTableAsync("inet", _host.Options.TableName));

        // A second call finds everything in place and changes nothing.
        await _network.EnsureBridgeAsync();
        Assert.Equal("10.88.0.1", (await _host.InAsync("ip", "-4", "-o", "addr", "show", "dev", bridge)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[3].Split('/')[0]);
    }

    [Fact]
    public async Task Attached_container_has_eth0_with_its_address_mac_and_default_route_and_reaches_the_gateway()
    {
        await using var container = await _host.StartContainerAsync();

        var attachment = await _network.AttachAsync(Request(container, []));

        Assert.Equal(IPAddress.Parse("10.88.0.2"), attachment.Address);
        Assert.Equal("ckv" + container.Id[..8], attachment.HostInterface);
        Assert.Equal("02:42:0a:58:00:02", attachment.MacAddress);
        using (var json = JsonDocument.Parse(await container.InAsync("ip", "-j", "addr", "show", "dev", "eth0")))
        {
            var eth0 = json.RootElement[0];
            Assert.Equal("02:42:0a:58:00:02", eth0.GetProperty("address").GetString());
            Assert.Equal(1500, eth0.GetProperty("mtu").GetInt32());
            Assert.Contains("UP", eth0.GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
            Assert.Contains(
                eth0.GetProperty("addr_info").EnumerateArray(),
                a => a.GetProperty("local").GetString() == "10.88.0.2" && a.GetProperty("prefixlen").GetInt32() == 16);
        }

        Assert.StartsWith("default via 10.88.0.1 dev eth0", await container.InAsync("ip", "route", "show", "default"), StringComparison.Ordinal);
        var hostEnd = await _host.InAsync("ip", "-d", "-o", "link", "show", "dev", attachment.HostInterface!);
        Assert.Contains("master " + _host.Options.BridgeName, hostEnd, StringComparison.Ordinal);
        Assert.Contains("hairpin on", hostEnd, StringComparison.Ordinal);
        await container.InAsync("busybox", "ping", "-c", "1", "-W", "2", "10.88.0.1");
    }

    [Fact]
    public async Task Published_port_answers_on_localhost_on_the_host_address_and_from_another_container()
    {
        await using var web = await _host.StartContainerAsync();
        await using var client = await _host.StartContainerAsync();
        using var site = new TempDirectory();
        await File.WriteAllTextAsync(site.Combine("index.html"), "hello from " + web.Name);
        web.StartProcess("busybox", "httpd", "-f", "-p", "80", "-h", site.Path);

        await _network.AttachAsync(Request(web, PortMappingParser.Parse("18080:80")));
        await _network.AttachAsync(Request(client, []));

        var expected = "hello from " + web.Name;
        Assert.Equal(expected, await FetchFromHostAsync("127.0.0.1", 18080));
        Assert.Equal(expected, await FetchFromHostAsync(HostNamespace.UplinkAddress, 18080));

        // Hairpin: a container reaching the published port through the host comes back over the bridge.
        Assert.Equal(expected, await client.InAsync("curl", "-s", "--max-time", "3", "http://10.88.0.1:18080/"));
        Assert.Equal(expected, await client.InAsync("curl", "-s", "--max-time", "3", $"http://{HostNamespace.UplinkAddress}:18080/"));

        // ...and so does the container that publishes the port, reaching itself through the host.
        Assert.Equal(expected, await web.InAsync("curl", "-s", "--max-time", "3", "http://10.88.0.1:18080/"));
    }

    [Fact]
    public async Task Published_port_bound_to_one_host_address_answers_there_only()
    {
        await using var web = await _host.StartContainerAsync();
        using var site = new TempDirectory();
        await File.WriteAllTextAsync(site.Combine("index.html"), "local only");
        web.StartProcess("busybox", "httpd", "-f", "-p", "8000", "-h", site.Path);

        await _network.AttachAsync(Request(web, PortMappingParser.Parse("127.0.0.1:18081:8000")));

        Assert.Equal("local only", await FetchFromHostAsync("127.0.0.1", 18081));
        var elsewhere = await _host.TryInAsync("curl", "-s", "--max-time", "1", $"http://{HostNamespace.UplinkAddress}:18081/");
        Assert.False(elsewhere.Succeeded);
    }

    [Fact]
    public async Task A_container_cannot_reach_a_service_the_host_binds_to_loopback_through_the_gateway()
    {
        // A host-only server, and a counter (in a table of this test's own) of its answers to the bridge.
        await using var hostSide = await FakeContainer.InExistingNamespaceAsync(_host.Name);
        using var site = new TempDirectory();
        await File.WriteAllTextAsync(site.Combine("index.html"), "host only");
        hostSide.StartProcess("busybox", "httpd", "-f", "-p", "127.0.0.1:18098", "-h", site.Path);
        await _host.InAsync("nft", "add table ip ckt_probe; add chain ip ckt_probe out { type filter hook output priority 0; }; add rule ip ckt_probe out tcp sport 18098 tcp flags & (syn | ack) == syn | ack counter");

        // The attacker: a container that routes 127.0.0.1 to the gateway's MAC (what a crafted frame does).
        await using var attacker = await _host.StartContainerAsync();
        await _network.AttachAsync(Request(attacker, []));
        await attacker.InAsync("sysctl", "-qw", "net.ipv4.conf.all.route_localnet=1", "net.ipv4.conf.eth0.route_localnet=1");
        await attacker.InAsync("ip", "route", "del", "local", "127.0.0.1", "dev", "lo", "table", "local");
        await attacker.InAsync("ip", "route", "del", "local", "127.0.0.0/8", "dev", "lo", "table", "local");
        await attacker.InAsync("ip", "route", "add", "127.0.0.1/32", "via", _network.Settings.Gateway.ToString(), "dev", "eth0");
        Assert.Equal("host only", await FetchFromHostAsync("127.0.0.1", 18098));
        var answersBefore = await SynAcksAsync();

        var attempt = await attacker.TryInAsync("curl", "-s", "--max-time", "2", "http://127.0.0.1:18098/");

        Assert.False(attempt.Succeeded);
        Assert.Equal(answersBefore, await SynAcksAsync());

        // Without ClusterKit's input chain the same frame is answered: the test sees the hole it guards.
        await _host.InAsync("nft", "delete", "chain", "inet", _host.Options.TableName, "input");
        await attacker.TryInAsync("curl", "-s", "--max-time", "2", "http://127.0.0.1:18098/");
        Assert.True(await SynAcksAsync() > answersBefore, "without the guard the host should answer the crafted SYN");

        async Task<long> SynAcksAsync()
        {
            var listing = await _host.InAsync("nft", "list", "table", "ip", "ckt_probe");
            var match = System.Text.RegularExpressions.Regex.Match(listing, @"counter packets (\d+)");
            return long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    [Fact]
    public async Task Two_containers_reach_each_other_over_the_bridge()
    {
        await using var first = await _host.StartContainerAsync();
        await using var second = await _host.StartContainerAsync();

        var a = await _network.AttachAsync(Request(first, []));
        var b = await _network.AttachAsync(Request(second, []));

        Assert.NotEqual(a.Address, b.Address);
        await first.InAsync("busybox", "ping", "-c", "1", "-W", "2", b.Address!.ToString());
        await second.InAsync("busybox", "ping", "-c", "1", "-W", "2", a.Address!.ToString());
    }

    [Fact]
    public async Task Outbound_traffic_from_a_container_is_masqueraded_to_the_host_address()
    {
        // An "outside" namespace linked to the host by a veth, with no route back to the container subnet:
        // only masquerading lets its replies find the container.
        var outside = $"{_host.Name}-o";
        await Shell.RunAsync("ip", "netns", "add", outside);
        try
        {
            await _host.InAsync("ip", "link", "add", "ckt-out", "type", "veth", "peer", "name", "eth0", "netns", outside);
            await _host.InAsync("ip", "addr", "add", "10.98.0.1/24", "dev", "ckt-out");
            await _host.InAsync("ip", "link", "set", "ckt-out", "up");
            await Shell.InNamespaceAsync(outside, "ip", "addr", "add", "10.98.0.2/24", "dev", "eth0");
            await Shell.InNamespaceAsync(outside, "ip", "link", "set", "eth0", "up");
            await using var container = await _host.StartContainerAsync();
            await _network.AttachAsync(Request(container, []));

            await container.InAsync("busybox", "ping", "-c", "1", "-W", "2", "10.98.0.2");
        }
        finally
        {
            await Shell.TryRunAsync("ip", "netns", "del", outside);
        }
    }

    [Fact]
    public async Task Detach_removes_the_veth_the_rules_and_frees_the_address()
    {
        await using var container = await _host.StartContainerAsync();
        var attachment = await _network.AttachAsync(Request(container, PortMappingParser.Parse("18082:80")));
        Assert.True(await _host.LinkExistsAsync(attachment.HostInterface!));
        Assert.Contains("dport 18082", await _host.ListTableAsync("inet", _host.Options.TableName), StringComparison.Ordinal);

        await _network.DetachAsync(container.Id);

        Assert.False(await _host.LinkExistsAsync(attachment.HostInterface!));
        Assert.False((await container.TryInAsync("ip", "link", "show", "dev", "eth0")).Succeeded);
        Assert.DoesNotContain("dport 18082", await _host.ListTableAsync("inet", _host.Options.TableName), StringComparison.Ordinal);
        Assert.Empty(_network.Endpoints);

        // Detaching again is harmless.
        await _network.DetachAsync(container.Id);
    }

    [Fact]
    public async Task Port_another_process_listens_on_is_refused()
    {
        await using var container = await _host.StartContainerAsync();
        var listener = await StartHostListenerAsync(18083);
        try
        {
            var error = await Assert.ThrowsAsync<NetworkingException>(() => _network.AttachAsync(Request(container, PortMappingParser.Parse("18083:80"))));

            Assert.Equal("port 18083/tcp is in use by another process on this host (any address); publish a different host port", error.Message);
            Assert.Empty(_network.Endpoints);
            Assert.False(await _host.LinkExistsAsync("ckv" + container.Id[..8]));
        }
        finally
        {
            listener.Kill();
            await listener.WaitForExitAsync();
            listener.Dispose();
        }
    }

    [Fact]
    public async Task Rebuild_regenerates_the_identical_table_and_removes_stray_veths_only()
    {
        await using var web = await _host.StartContainerAsync();
        await using var dns = await _host.StartContainerAsync();
        await using var stray = await _host.StartContainerAsync();
        var webAttachment = await _network.AttachAsync(Request(web, PortMappingParser.Parse("18084-18085:80-81/udp")));
        var dnsAttachment = await _network.AttachAsync(Request(dns, PortMappingParser.Parse("127.0.0.1:18086:53")));
        var strayAttachment = await _network.AttachAsync(Request(stray, []));
        var table = _host.Options.TableName;
        var before = await _host.ListTableAsync("inet", table);

        // A link on the bridge that is not one of ours must survive.
        await _host.InAsync("ip", "link", "add", "ckt-keep", "type", "veth", "peer", "name", "ckt-keep-peer");
        await _host.InAsync("ip", "link", "set", "ckt-keep", "master", _host.Options.BridgeName);

        // The worker restarts; the daemon's records name web and dns only.
        using var restarted = _host.CreateNetwork(Netlink);
        ContainerEndpoint[] known =
        [
            new(web.Id, web.Name, webAttachment.Address!, webAttachment.Ports),
            new(dns.Id, dns.Name, dnsAttachment.Address!, dnsAttachment.Ports),
        ];
        var report = await restarted.RebuildAsync(known);

        Assert.Equal(2, report.RestoredContainers);
        Assert.Equal([strayAttachment.HostInterface!], report.RemovedInterfaces);
        Assert.Equal(before, await _host.ListTableAsync("inet", table));
        Assert.True(await _host.LinkExistsAsync(webAttachment.HostInterface!));
        Assert.True(await _host.LinkExistsAsync(dnsAttachment.HostInterface!));
        Assert.True(await _host.LinkExistsAsync("ckt-keep"));
        Assert.False(await _host.LinkExistsAsync(strayAttachment.HostInterface!));

        // The restored addresses stay reserved, and the restored ports stay claimed.
        await using var next = await _host.StartContainerAsync();
        var clash = await Assert.ThrowsAsync<NetworkingException>(() => restarted.AttachAsync(Request(next, PortMappingParser.Parse("18085:80/udp"))));
        Assert.Equal($"port 18085/udp is already published by container {web.Name} ({web.Id[..12]})", clash.Message);
        var fresh = await restarted.AttachAsync(Request(next, []));
        Assert.DoesNotContain(fresh.Address, new[] { webAttachment.Address, dnsAttachment.Address });
    }

    [Fact]
    public async Task Foreign_table_survives_setup_attach_rebuild_and_teardown_which_removes_ours()
    {
        var foreign = "ckt-foreign-" + _host.Hex;
        await _host.InAsync("nft", "add", "table", "inet", foreign);
        await _host.InAsync("nft", "add", "chain", "inet", foreign, "input", "{ type filter hook input priority 0; policy accept; }");
        await _host.InAsync("nft", "add", "rule", "inet", foreign, "input", "tcp", "dport", "9", "counter", "accept");
        var foreignBefore = await _host.ListTableAsync("inet", foreign);
        await using var container = await _host.StartContainerAsync();

        await _network.EnsureBridgeAsync();
        await _network.AttachAsync(Request(container, PortMappingParser.Parse("18087:80")));
        await _network.RebuildAsync(_network.Endpoints);
        Assert.Equal(foreignBefore, await _host.ListTableAsync("inet", foreign));

        await _network.TeardownAsync();

        Assert.Equal(foreignBefore, await _host.ListTableAsync("inet", foreign));
        Assert.Null(await _host.ListTableAsync("inet", _host.Options.TableName));
        Assert.False(await _host.LinkExistsAsync(_host.Options.BridgeName));
        Assert.False(await _host.LinkExistsAsync("ckv" + container.Id[..8]));
        Assert.True(await _host.LinkExistsAsync("ckt-up"));

        // Tearing down what is already gone is no error.
        await _network.TeardownAsync();
    }

    private static ContainerNetworkRequest Request(FakeContainer container, IReadOnlyList<PortMapping> ports) =>
        ContainerNetworkRequest.ForProcess(container.Id, container.Name, NetworkMode.Bridge, container.Pid, ports);

    private async Task<string> FetchFromHostAsync(string address, int port)
    {
        // The server in the container may still be starting; retry briefly.
        CommandResultText? last = null;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var result = await _host.TryInAsync("curl", "-s", "--max-time", "2", $"http://{address}:{port}/");
            if (result.Succeeded)
            {
                return result.StandardOutput;
            }

            last = new CommandResultText(result.ExitCode, result.StandardError);
            await Task.Delay(100);
        }

        throw new InvalidOperationException($"http://{address}:{port}/ never answered from {_host.Name}: curl exit {last?.ExitCode} {last?.Error}");
    }

    private async Task<Process> StartHostListenerAsync(int port)
    {
        var info = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["netns", "exec", _host.Name, "busybox", "nc", "-l", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info)!;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            if ((await _host.InAsync("ss", "-Htln", $"sport = :{port}")).Length > 0)
            {
                return process;
            }

            await Task.Delay(20);
        }

        process.Kill();
        throw new InvalidOperationException($"nc never listened on {port}");
    }

    private sealed record CommandResultText(int ExitCode, string Error);
}
