using System.Text;
using ClusterKit.TestKit;
using ClusterKit.Worker.Host;
using ClusterKit.Worker.Runtime.Logs;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterKit.Worker.Runtime.Tests.Kernel;

/// <summary>
/// A busybox image layer shared by a test class, and a runtime; every container gets its own
/// ckt-* directory that is deleted (container, mounts and all) when the test ends.
/// </summary>
public sealed class RuntimeTestbed : IDisposable
{
    private readonly TempDirectory _root = new("ckt-rt");
    private readonly List<RunningContainer> _containers = [];

    public RuntimeTestbed()
    {
        Lower = BusyboxRootfs.Create(_root.Combine("lower"));
        Runtime = new ContainerRuntime(LinuxSystemCalls.Instance, null, TimeProvider.System, NullLogger<ContainerRuntime>.Instance);
    }

    public string Lower { get; }

    public ContainerRuntime Runtime { get; }

    public string NewContainerDirectory() => _root.Combine("c-" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..6]));

    public ContainerLaunch Launch(params string[] args) => new()
    {
        Id = "ckt-" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..6]),
        ContainerDirectory = NewContainerDirectory(),
        LowerDirs = [Lower],
        Args = args,
    };

    public ContainerLaunch Shell(string script) => Launch("sh", "-c", script);

    public async Task<RunningContainer> StartAsync(ContainerLaunch launch, Func<int, CancellationToken, Task>? beforeExec = null)
    {
        var container = await Runtime.StartAsync(launch, beforeExec, Timeout());
        lock (_containers)
        {
            _containers.Add(container);
        }

        return container;
    }

    /// <summary>Starts, waits, and returns the exit and the container's stdout and stderr from its log.</summary>
    public async Task<(ContainerExit Exit, string Stdout, string Stderr)> RunAsync(ContainerLaunch launch)
    {
        var container = await StartAsync(launch);
        var exit = await container.WaitAsync(Timeout());
        var entries = ContainerLogs.Read(container.LogPath);
        return (exit, Join(entries, "stdout"), Join(entries, "stderr"));
    }

    public static CancellationToken Timeout(int seconds = 30) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    public static string Join(IEnumerable<LogEntry> entries, string stream) =>
        entries.Where(e => e.Stream == stream).Aggregate(new StringBuilder(), (b, e) => b.Append(e.Text)).ToString();

    public void Dispose()
    {
        foreach (var container in _containers)
        {
            try
            {
                container.DeleteAsync(Timeout()).GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                // Deleted by the test itself already.
            }
        }

        Runtime.Dispose();
        _root.Dispose();
    }
}
