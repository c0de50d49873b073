using ClusterKit.Worker.Host;

namespace ClusterKit.Worker.Networking.Tests.Kernel;

/// <summary>
/// A network namespace that plays the worker's host: loopback up, a veth "uplink" with its own
/// address (the "host's address"), and a bridge network configured with unique names. Deleting
/// the namespace on dispose takes everything made inside it along.
/// </summary>
internal sealed class HostNamespace : IAsyncDisposable
{
    public const string UplinkAddress = "10.99.0.10";

    private readonly List<FakeContainer> _containers = [];

    private HostNamespace(string hex)
    {
        Hex = hex;
        Name = "ckt-" + hex;
        Runner = new NamespacedCommandRunner(Name, ProcessCommandRunner.Instance);
        Options = new BridgeNetworkOptions
        {
            BridgeName = "ckt" + hex[..6],
            TableName = "ckt-" + hex,
            Subnet = "10.88.0.0/16",
        };
    }

    public string Hex { get; }

    public string Name { get; }

    public string Path => "/run/netns/" + Name;

    public NamespacedCommandRunner Runner { get; }

    public BridgeNetworkOptions Options { get; }

    public static async Task<HostNamespace> CreateAsync()
    {
        var host = new HostNamespace(Shell.UniqueHex());
        await Shell.RunAsync("ip", "netns", "add", host.Name);
        try
        {
            await host.InAsync("ip", "link", "set", "lo", "up");
            await host.InAsync("ip", "link", "add", "ckt-up", "type", "veth", "peer", "name", "ckt-up-peer");
            await host.InAsync("ip", "addr", "add", UplinkAddress + "/24", "dev", "ckt-up");
            await host.InAsync("ip", "link", "set", "ckt-up", "up");
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        return host;
    }

    /// <summary>A bridge network whose tools, probe and veth driver all work inside this namespace.</summary>
    public BridgeNetwork CreateNetwork(bool netlink, BridgeNetworkOptions? options = null) =>
        new(
            options ?? Options,
            Runner,
            new SocketPortProbe(LinuxSystemCalls.Instance, Path),
            netlink ? new NetlinkVethDriver(LinuxSystemCalls.Instance, Path) : new IpVethDriver(Runner));

    public async Task<FakeContainer> StartContainerAsync()
    {
        var container = await FakeContainer.StartAsync($"{Name}-c{_containers.Count}");
        _containers.Add(container);
        return container;
    }

    public Task<string> InAsync(string fileName, params string[] arguments) => Shell.InNamespaceAsync(Name, fileName, arguments);

    public Task<CommandResult> TryInAsync(string fileName, params string[] arguments) => Shell.TryInNamespaceAsync(Name, fileName, arguments);

    /// <summary>The table as the kernel holds it, or null when there is none.</summary>
    public async Task<string?> ListTableAsync(string family, string table)
    {
        var result = await TryInAsync("nft", "list", "table", family, table);
        return result.Succeeded ? result.StandardOutput : null;
    }

    public async Task<bool> LinkExistsAsync(string name) => (await TryInAsync("ip", "link", "show", "dev", name)).Succeeded;

    public async ValueTask DisposeAsync()
    {
        foreach (var container in _containers)
        {
            await container.DisposeAsync();
        }

        await Shell.TryRunAsync("ip", "netns", "del", Name);
    }
}
