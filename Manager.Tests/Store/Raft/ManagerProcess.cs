using System.Diagnostics;
using System.Net;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.TestKit;
using Grpc.Net.Client;

namespace ClusterKit.Manager.Tests.Store.Raft;

/// <summary>
/// One real ck-manager process on loopback, for cluster tests and the raft benchmark
/// (which compiles this file too). Output is kept in memory for failure messages.
/// </summary>
public sealed class ManagerProcess : IAsyncDisposable
{
    private readonly string _managerDll;
    private readonly IReadOnlyList<string> _extraArgs;
    private readonly Lock _outputGate = new();
    private readonly Queue<string> _output = new();
    private Process? _process;
    private GrpcChannel? _channel;

    public ManagerProcess(string managerDll, string nodeId, string dataDirectory, IPEndPoint raft, IPEndPoint api, IReadOnlyList<IPEndPoint> members, IReadOnlyList<string> extraArgs)
    {
        _managerDll = managerDll;
        NodeId = nodeId;
        DataDirectory = dataDirectory;
        Raft = raft;
        Api = api;
        Members = members;
        _extraArgs = extraArgs;
    }

    public string NodeId { get; }

    public string DataDirectory { get; }

    public IPEndPoint Raft { get; }

    public IPEndPoint Api { get; }

    public IReadOnlyList<IPEndPoint> Members { get; }

    public bool IsRunning => _process is { HasExited: false };

    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    public StoreService.StoreServiceClient Client
    {
        get
        {
            _channel ??= GrpcChannel.ForAddress($"http://{Api}");
            return new StoreService.StoreServiceClient(_channel);
        }
    }

    public void Start()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"manager {NodeId} is already running");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])[
            _managerDll, "--node-id", NodeId, "--data-dir", DataDirectory,
            "--raft-address", Raft.ToString(), "--api-address", Api.ToString(),
            "--peers", string.Join(',', Members.Select(m => m.ToString())), .. _extraArgs])
        {
            start.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    /// <summary>kill -9: no shutdown code runs.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: false);
            p.WaitForExit(10_000);
        }
    }

    /// <summary>SIGSTOP by the recorded PID: the process stalls with its connections open (a long pause, a frozen VM).</summary>
    public void Pause() => Signal(_process, "-STOP");

    /// <summary>SIGCONT: a paused process goes on where it stopped.</summary>
    public void Resume() => Signal(_process, "-CONT");

    /// <summary>Sends a signal (kill's "-STOP", "-CONT") to a process this harness started, by its recorded PID.</summary>
    internal static void Signal(Process? process, string signal)
    {
        if (process is { HasExited: false } p)
        {
            using var kill = Process.Start("kill", [signal, p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit(10_000);
        }
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false } p)
        {
            // SIGTERM: the host stops the API and the raft member in order.
            using var term = Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await term.WaitForExitAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await p.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Kill();
            }
        }
    }

    /// <summary>Waits for the process to end on its own and for its output to be read to the end; false on timeout.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        if (_process is not { } p)
        {
            return true;
        }

        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(limit.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public string RecentOutput(int lines = 40)
    {
        lock (_outputGate)
        {
            return string.Join('\n', _output.TakeLast(lines));
        }
    }

    public async Task<StatusResponse?> TryStatusAsync(TimeSpan timeout)
    {
        if (!IsRunning)
        {
            return null;
        }

        try
        {
            return await Client.StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow + timeout);
        }
        catch (Grpc.Core.RpcException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // A stopped process ignores nothing but SIGKILL, which Kill sends; resume it anyway so that nothing waits on it.
        Resume();
        Kill();
        _process?.Dispose();
        _process = null;
        _channel?.Dispose();
        _channel = null;
        await Task.CompletedTask;
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_outputGate)
        {
            _output.Enqueue(line);
            while (_output.Count > 2000)
            {
                _output.Dequeue();
            }
        }
    }
}

/// <summary>N managers on loopback ports free at creation, data under one root that is removed on dispose.</summary>
public sealed class ManagerCluster : IAsyncDisposable
{
    private readonly string _root;
    private readonly bool _ownsRoot;

    private ManagerCluster(string root, bool ownsRoot, IReadOnlyList<ManagerProcess> managers)
    {
        _root = root;
        _ownsRoot = ownsRoot;
        Managers = managers;
    }

    public IReadOnlyList<ManagerProcess> Managers { get; }

    public static ManagerCluster Create(string managerDll, int count, IReadOnlyList<string>? extraArgs = null, string? root = null)
    {
        var ownsRoot = root is null;
        root ??= Directory.CreateTempSubdirectory("ckt-raft-").FullName;
        var ports = LoopbackPorts.Free(count * 2);
        var members = Enumerable.Range(0, count).Select(i => new IPEndPoint(IPAddress.Loopback, ports[i])).ToArray();
        var managers = Enumerable.Range(0, count).Select(i => new ManagerProcess(
            managerDll,
            $"m{i + 1}",
            Path.Combine(root, $"m{i + 1}"),
            members[i],
            new IPEndPoint(IPAddress.Loopback, ports[count + i]),
            members,
            extraArgs ?? [])).ToArray();
        return new ManagerCluster(root, ownsRoot, managers);
    }

    public void StartAll()
    {
        foreach (var m in Managers)
        {
            m.Start();
        }
    }

    /// <summary>Waits until every running manager names the same leader and that leader says so itself.</summary>
    public async Task<ManagerProcess> WaitForLeaderAsync(TimeSpan timeout, ManagerProcess? except = null)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            var running = Managers.Where(m => m.IsRunning && m != except).ToArray();
            var statuses = await Task.WhenAll(running.Select(m => m.TryStatusAsync(TimeSpan.FromSeconds(1))));
            var leader = statuses.FirstOrDefault(s => s is { IsLeader: true });
            if (leader is not null && statuses.All(s => s is not null && s.LeaderNodeId == leader.NodeId))
            {
                return Managers.Single(m => m.NodeId == leader.NodeId);
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"no leader agreed on within {timeout.TotalSeconds} s:\n{Describe()}");
    }

    public string Describe() => string.Join("\n", Managers.Select(m =>
        $"--- {m.NodeId} running={m.IsRunning} exit={m.ExitCode}\n{m.RecentOutput(15)}"));

    /// <summary>Each manager's raft status (leader, term, indexes, store version) and its recent output.</summary>
    public async Task<string> DescribeAsync()
    {
        var parts = new List<string>();
        foreach (var m in Managers)
        {
            var s = await m.TryStatusAsync(TimeSpan.FromSeconds(1));
            var status = s is null
                ? "no status"
                : $"leader={s.LeaderNodeId} self-leader={s.IsLeader} term={s.Term} applied={s.AppliedIndex} commit={s.CommitIndex} version={s.StoreVersion} snapshots taken={s.SnapshotsTaken} installed={s.SnapshotsInstalled}";
            parts.Add($"--- {m.NodeId} running={m.IsRunning} exit={m.ExitCode} {status}\n{m.RecentOutput(15)}");
        }

        return string.Join("\n", parts);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var m in Managers)
        {
            await m.DisposeAsync();
        }

        if (_ownsRoot)
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>ck-manager.dll next to the running program (a project reference copies it there).</summary>
    public static string ManagerDll()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "ck-manager.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("ck-manager.dll is not next to " + AppContext.BaseDirectory, path);
    }
}
