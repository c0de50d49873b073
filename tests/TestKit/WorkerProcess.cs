using System.Diagnostics;
using ClusterKit.Proto.Worker.V1;
using ClusterKit.Shared.Net;
using Grpc.Net.Client;

namespace ClusterKit.TestKit;

/// <summary>
/// A ck-worker of its own for a test or benchmark: a private data root, socket, cgroup
/// parent, bridge and nftables table, in a network namespace it creates and removes.
/// </summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly GrpcChannel _channel;
    private readonly string _daemon;
    private bool _disposeNamespace = true;

    private WorkerProcess(string tag, string root, string daemon, Process process, GrpcChannel channel)
    {
        Tag = tag;
        _daemon = daemon;
        Root = root;
        _process = process;
        _channel = channel;
        Containers = new Containers.ContainersClient(channel);
        Images = new Images.ImagesClient(channel);
    }

    public string Tag { get; }

    public string Root { get; }

    public Containers.ContainersClient Containers { get; }

    public Images.ImagesClient Images { get; }

    public string Socket => Path.Combine(Root, "worker.sock");

    public string DataRoot => Path.Combine(Root, "data");

    /// <summary>The ck-worker's pid (nsenter execs it, so it is the process this class started).</summary>
    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Waits for the worker to end by itself (e.g. a test's crash point); true if it did.</summary>
    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    public string RunRoot => Path.Combine(Root, "run");

    /// <summary>The daemon's process id (the same as <see cref="ProcessId"/>).</summary>
    public int Pid => _process.Id;

    /// <summary>
    /// Starts a worker whose bridge uses <paramref name="subnet"/> inside its own network namespace: the ck-worker built
    /// beside the caller, or <paramref name="daemon"/> (e.g. a benchmark's out/ck-worker).
    /// </summary>
    public static Task<WorkerProcess> StartAsync(string prefix = "ckt", string subnet = "10.213.0.0/24", string? daemon = null) =>
        StartInAsync(prefix + Convert.ToHexString(Guid.NewGuid().ToByteArray())[..8].ToLowerInvariant(), null, daemon ?? LocateDaemon(), subnet);

    /// <summary>
    /// Starts another worker process over the same data root and namespace (a restart), with
    /// <paramref name="environment"/> added to its environment (e.g. a test's crash point) and extra ck-worker options.
    /// </summary>
    public Task<WorkerProcess> RestartAsync(string subnet = "10.213.0.0/24", IReadOnlyDictionary<string, string>? environment = null, params string[] extraOptions)
    {
        StopProcess();
        _disposeNamespace = false;
        return StartInAsync(Tag, Root, _daemon, subnet, environment, extraOptions);
    }

    /// <summary>Sends SIGTERM to the worker (by its recorded PID) and returns its exit code; SIGKILL if it has not ended within <paramref name="timeout"/>.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            StopProcess();
            throw new TimeoutException($"ck-worker (pid {_process.Id}) did not stop within {timeout} of SIGTERM");
        }

        return _process.ExitCode;
    }

    /// <summary>Kills the worker process only (SIGKILL), leaving its containers running.</summary>
    public void KillProcess() => StopProcess();

    private static async Task<WorkerProcess> StartInAsync(string tag, string? existingRoot, string daemon, string subnet, IReadOnlyDictionary<string, string>? environment = null, IReadOnlyList<string>? extraOptions = null)
    {
        var root = existingRoot ?? Directory.CreateTempSubdirectory(tag + "-").FullName;
        if (existingRoot is null)
        {
            Run("ip", "netns", "add", tag);
            Run("ip", "-n", tag, "link", "set", "lo", "up");
        }

        var socket = Path.Combine(root, "worker.sock");
        var info = new ProcessStartInfo("nsenter") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            $"--net=/run/netns/{tag}", daemon, "--data-root", Path.Combine(root, "data"), "--run-root", Path.Combine(root, "run"), "--socket", socket,
            "--cgroup-parent", tag, "--bridge-name", tag, "--bridge-subnet", subnet, "--nft-table", tag,
        }.Concat(extraOptions ?? []))
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info)!;
        // The worker's log goes to stdout; CK_TEST_WORKER_LOG=1 shows it (with CK_Logging__LogLevel__ClusterKit=Debug: step timings).
        var showLog = Environment.GetEnvironmentVariable("CK_TEST_WORKER_LOG") == "1";
        process.OutputDataReceived += (_, e) => { if (showLog && e.Data is not null) { Console.Error.WriteLine("ck-worker: " + e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine("ck-worker: " + e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var channel = UnixSocket.Channel(socket, "http://worker");
        var worker = new WorkerProcess(tag, root, daemon, process, channel);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await worker.Containers.ListAsync(new ListContainersRequest());
                    return worker;
                }
                catch (Grpc.Core.RpcException) when (attempt < 150 && !process.HasExited)
                {
                    await Task.Delay(100);
                }
            }
        }
        catch when (existingRoot is null)
        {
            // A worker that never answered: its process, namespace and directories go with it.
            worker.Dispose();
            throw;
        }
    }

    /// <summary>Runs a command inside the worker's network namespace (curl to a published port, ...).</summary>
    public static (int ExitCode, string Output) RunIn(string tag, string file, params string[] arguments)
    {
        var info = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "netns", "exec", tag, file }.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }

    public void Dispose()
    {
        _channel.Dispose();
        StopProcess();
        if (!_disposeNamespace)
        {
            return;
        }

        // Containers left behind by a failed test: kill their shims and inits.
        Run("sh", "-c", $"for p in $(grep -l '{Root}' /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do kill -9 $p 2>/dev/null; done");
        Run("ip", "netns", "delete", Tag);
        foreach (var hierarchy in Directory.GetDirectories("/sys/fs/cgroup"))
        {
            var mine = Path.Combine(hierarchy, Tag);
            if (Directory.Exists(mine))
            {
                foreach (var child in Directory.GetDirectories(mine))
                {
                    TryDelete(child);
                }

                TryDelete(mine);
            }
        }

        Run("sh", "-c", $"grep -o ' {Root}[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l");
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void StopProcess()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    public static string LocateDaemon()
    {
        // The worker built in the caller's configuration, so a test never runs a stale build of the other.
        var configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
        var candidate = Path.Combine(RepoPaths.Root, "Worker", "Daemon", "bin", configuration, "net10.0", "ck-worker");
        return File.Exists(candidate) ? candidate : throw new FileNotFoundException($"ck-worker is not built at {candidate}: build Worker/Daemon first");
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory);
        }
        catch (IOException)
        {
        }
    }

    private static void Run(string file, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { UseShellExecute = false, RedirectStandardError = true })!;
        process.WaitForExit();
    }
}
