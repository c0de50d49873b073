using System.Diagnostics;
using ClusterKit.Worker.Host;

namespace ClusterKit.Worker.Networking.Tests.Kernel;

/// <summary>
/// Stands in for a container: its own network namespace with loopback up and a process in it
/// whose /proc/PID/ns/net is handed to the bridge network, as the runtime's hook would.
/// </summary>
internal sealed class FakeContainer : IAsyncDisposable
{
    private readonly List<Process> _processes = [];
    private readonly bool _ownsNamespace;

    private FakeContainer(string name, bool ownsNamespace = true)
    {
        Name = name;
        Id = Shell.UniqueHex(16) + Shell.UniqueHex(16);
        _ownsNamespace = ownsNamespace;
    }

    public string Name { get; }

    /// <summary>A 32-digit hex id (the veth name takes the first 8).</summary>
    public string Id { get; }

    public int Pid { get; private set; }

    public static async Task<FakeContainer> StartAsync(string name)
    {
        await Shell.RunAsync("ip", "netns", "add", name);
        var container = new FakeContainer(name);
        try
        {
            await container.InAsync("ip", "link", "set", "lo", "up");
            await container.StartSleeperAsync();
        }
        catch
        {
            await container.DisposeAsync();
            throw;
        }

        return container;
    }

    /// <summary>A process in a namespace that somebody else owns (and deletes).</summary>
    public static async Task<FakeContainer> InExistingNamespaceAsync(string name)
    {
        var container = new FakeContainer(name, ownsNamespace: false);
        try
        {
            await container.StartSleeperAsync();
        }
        catch
        {
            await container.DisposeAsync();
            throw;
        }

        return container;
    }

    public Process StartProcess(string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["netns", "exec", Name, fileName, .. arguments])
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName} in {Name}");
        _processes.Add(process);
        return process;
    }

    /// <summary>
    /// `ip netns exec` execs the command in place, so the pid ends up as the sleep inside the
    /// namespace; until it has switched, /proc/PID/ns/net is still the parent's namespace.
    /// </summary>
    private async Task StartSleeperAsync()
    {
        var expected = $"net:[{(await Shell.RunAsync("stat", "-L", "-c", "%i", "/run/netns/" + Name)).Trim()}]";
        Pid = StartProcess("sleep", "120").Id;
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if (new FileInfo($"/proc/{Pid}/ns/net").LinkTarget == expected)
            {
                return;
            }

            await Task.Delay(5);
        }

        throw new InvalidOperationException($"process {Pid} never entered network namespace {Name}");
    }

    public Task<string> InAsync(string fileName, params string[] arguments) => Shell.InNamespaceAsync(Name, fileName, arguments);

    public Task<CommandResult> TryInAsync(string fileName, params string[] arguments) => Shell.TryInNamespaceAsync(Name, fileName, arguments);

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            try
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            process.Dispose();
        }

        if (_ownsNamespace)
        {
            await Shell.TryRunAsync("ip", "netns", "del", Name);
        }
    }
}
