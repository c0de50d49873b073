using System.Diagnostics;
using System.Security.Cryptography;

namespace ClusterKit.TestKit;

/// <summary>
/// A lab of hosts on one machine: each host is a network namespace with its own address on a
/// bridge that lives in a lab namespace of its own, so nothing is added to the machine's own
/// network. Names start with "ckt-" plus random hex; disposing deletes every namespace, which
/// takes their links, addresses and nftables tables along.
/// </summary>
public sealed class LabNetwork : IAsyncDisposable
{
    private readonly List<string> _namespaces = [];

    private LabNetwork(string hex)
    {
        Hex = hex;
        SwitchNamespace = $"ckt-{hex}-sw";
    }

    public string Hex { get; }

    /// <summary>The namespace that holds the lab bridge.</summary>
    public string SwitchNamespace { get; }

    public IReadOnlyList<LabHost> Hosts { get; private set; } = [];

    /// <summary>Hosts 10.77.0.11, .12, ... on a /24 (private addresses inside the lab's namespaces only).</summary>
    public static async Task<LabNetwork> CreateAsync(int hosts)
    {
        var lab = new LabNetwork(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3)));
        try
        {
            await lab.AddNamespaceAsync(lab.SwitchNamespace);
            await RunAsync("ip", "-n", lab.SwitchNamespace, "link", "add", "br0", "type", "bridge");
            await RunAsync("ip", "-n", lab.SwitchNamespace, "link", "set", "br0", "up");
            var list = new List<LabHost>();
            for (var i = 0; i < hosts; i++)
            {
                var name = $"ckt-{lab.Hex}-h{i + 1}";
                var address = $"10.77.0.{11 + i}";
                await lab.AddNamespaceAsync(name);
                await RunAsync("ip", "-n", name, "link", "set", "lo", "up");
                await RunAsync("ip", "-n", name, "link", "add", "eth0", "type", "veth", "peer", "name", $"p{i + 1}", "netns", lab.SwitchNamespace);
                await RunAsync("ip", "-n", name, "addr", "add", address + "/24", "dev", "eth0");
                await RunAsync("ip", "-n", name, "link", "set", "eth0", "up");
                await RunAsync("ip", "-n", lab.SwitchNamespace, "link", "set", $"p{i + 1}", "master", "br0", "up");
                list.Add(new LabHost(name, address));
            }

            lab.Hosts = list;
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>Drops every packet between <paramref name="host"/> and the other hosts (an nftables table inside the host's namespace).</summary>
    public static Task CutAsync(LabHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var rules = $$"""
            table inet ckt-partition {
              chain input { type filter hook input priority -10; policy accept; iifname "eth0" drop; }
              chain output { type filter hook output priority -10; policy accept; oifname "eth0" drop; }
            }
            """;
        return RunAsync("ip", ["netns", "exec", host.Namespace, "nft", "-f", "-"], rules);
    }

    public static Task HealAsync(LabHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return RunAsync("ip", "netns", "exec", host.Namespace, "nft", "delete", "table", "inet", "ckt-partition");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var name in Enumerable.Reverse(_namespaces))
        {
            try
            {
                await RunAsync("ip", "netns", "delete", name);
            }
            catch (InvalidOperationException)
            {
                // Already gone: nothing of ours is left under that name.
            }
        }

        _namespaces.Clear();
    }

    private async Task AddNamespaceAsync(string name)
    {
        await RunAsync("ip", "netns", "add", name);
        _namespaces.Add(name);
    }

    private static Task RunAsync(string file, params string[] arguments) => RunAsync(file, arguments, input: null);

    private static async Task RunAsync(string file, string[] arguments, string? input)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = input is not null, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }

        var error = await process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error.Trim()}");
        }
    }
}

/// <summary>One lab host: a network namespace and its address on the lab bridge.</summary>
public sealed record LabHost(string Namespace, string Address);
