using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using ClusterKit.Manager.Tests.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Identity;
using ClusterKit.Shared.Net;
using ClusterKit.TestKit;
using Grpc.Net.Client;
using IdentityRole = ClusterKit.Shared.Identity.NodeRole;

namespace ClusterKit.Manager.Tests.Host.Membership;

/// <summary>
/// One real ck-manager started without a fixed member list: it waits for `Init` or `Join` on
/// its local socket and then speaks mutual TLS on its API and Raft ports.
/// </summary>
public sealed class SecureManager : IAsyncDisposable
{
    private readonly string _managerDll;
    private readonly Lock _outputGate = new();
    private readonly Queue<string> _output = new();
    private Process? _process;
    private GrpcChannel? _local;

    /// <param name="networkNamespace">A lab host to run in (`ip netns exec`), or null for this machine's loopback.</param>
    public SecureManager(string managerDll, string name, string dataDirectory, IPEndPoint raft, IPEndPoint api, string? networkNamespace = null)
    {
        NetworkNamespace = networkNamespace;
        _managerDll = managerDll;
        Name = name;
        DataDirectory = dataDirectory;
        Raft = raft;
        Api = api;
        SocketPath = Path.Combine(dataDirectory + ".sock");
    }

    public string Name { get; }

    public string? NetworkNamespace { get; }

    public string DataDirectory { get; }

    public IPEndPoint Raft { get; }

    public IPEndPoint Api { get; }

    public string SocketPath { get; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The running process's id (the manager itself, or `sh` that execs it).</summary>
    public int Pid => _process?.Id ?? throw new InvalidOperationException($"manager {Name} is not running");

    /// <summary>More ck-manager options for the next start (e.g. --snapshot-every).</summary>
    public IReadOnlyList<string> ExtraArguments { get; set; } = [];

    /// <summary>Start under this umask (through `sh -c 'umask U; exec ...'`), as a careless supervisor might.</summary>
    public string? LaunchUmask { get; set; }

    /// <summary>The exit code once the process has ended; null while it runs or before it started.</summary>
    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    /// <summary>The root-only local socket: what `ck` on the manager's host uses.</summary>
    public GrpcChannel Local => _local ??= LocalChannel(SocketPath);

    public ClusterService.ClusterServiceClient LocalCluster => new(Local);

    public NodeService.NodeServiceClient LocalNodes => new(Local);

    public StoreService.StoreServiceClient LocalStore => new(Local);

    public void Start(int heartbeatMs = 500)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"manager {Name} is already running");
        }

        var start = new ProcessStartInfo(LaunchUmask is not null ? "sh" : NetworkNamespace is null ? "dotnet" : "ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] prefix = LaunchUmask is not null ? ["-c", $"umask {LaunchUmask}; exec dotnet \"$@\"", "sh"] : NetworkNamespace is null ? [] : ["netns", "exec", NetworkNamespace, "dotnet"];
        foreach (var arg in (string[])[
            .. prefix,
            _managerDll, "--data-dir", DataDirectory, "--raft-address", Raft.ToString(), "--api-address", Api.ToString(),
            "--socket", SocketPath, "--heartbeat-period-ms", heartbeatMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            .. ExtraArguments])
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

    /// <summary>Waits until the local socket answers (the process has started its host).</summary>
    public async Task WaitForSocketAsync(TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (UnixSocket.Answers(SocketPath))
            {
                return;
            }

            if (!IsRunning)
            {
                throw new InvalidOperationException($"manager {Name} exited ({_process?.ExitCode}):\n{RecentOutput()}");
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"manager {Name} did not open {SocketPath} within {timeout.TotalSeconds} s:\n{RecentOutput()}");
    }

    public void Kill()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: false);
            p.WaitForExit(10_000);
        }

        ResetLocal();
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false } p)
        {
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

        ResetLocal();
    }

    public string RecentOutput(int lines = 30)
    {
        lock (_outputGate)
        {
            return $"--- {Name}\n" + string.Join('\n', _output.TakeLast(lines));
        }
    }

    public static GrpcChannel LocalChannel(string socketPath) => UnixSocket.Channel(socketPath);

    /// <summary>A channel to a manager's TLS API presenting <paramref name="credentials"/> (e.g. the admin certificate from init).</summary>
    public static GrpcChannel TlsChannel(IPEndPoint api, NodeCredentials credentials)
    {
        var validator = new PeerCertificateValidator(credentials.Identity.ClusterId, () => credentials.Trust, TimeProvider.System);
        var factory = new TlsOptionsFactory(new NodeCredentialsHolder(credentials), validator);
        return GrpcChannel.ForAddress("https://" + api, new GrpcChannelOptions { HttpHandler = factory.CreateHttpHandler([IdentityRole.Manager]) });
    }

    /// <summary>A client that presents <paramref name="certificate"/> and accepts any server: to see what the server refuses.</summary>
    public static GrpcChannel UncheckedTlsChannel(IPEndPoint api, X509Certificate2 certificate)
    {
#pragma warning disable CA5359 // The test looks at the server's decision, not the client's.
        var options = new System.Net.Security.SslClientAuthenticationOptions
        {
            LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate,
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        };
#pragma warning restore CA5359
        return GrpcChannel.ForAddress("https://" + api, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { SslOptions = options } });
    }

    /// <summary>A channel with no client certificate that trusts the cluster's roots (what a joiner has).</summary>
    public static GrpcChannel AnonymousChannel(IPEndPoint api, TrustBundle trust, string clusterId)
        => GrpcChannel.ForAddress("https://" + api, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { SslOptions = TlsOptionsFactory.CreateJoinClientOptions(trust.Roots[0], clusterId, TimeProvider.System) },
        });

    public static NodeCredentials AdminCredentials(InitResponse init)
    {
        var certificate = X509Certificate2.CreateFromPem(init.AdminCertificatePem, init.AdminKeyPem);
        var trust = TrustBundle.Of(init.RootCertificatesPem.Select(pem => X509Certificate2.CreateFromPem(pem)));
        return new NodeCredentials(certificate, trust);
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        _process = null;
        await Task.CompletedTask;
    }

    private void ResetLocal()
    {
        _local?.Dispose();
        _local = null;
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
            while (_output.Count > 500)
            {
                _output.Dequeue();
            }
        }
    }
}

/// <summary>Several <see cref="SecureManager"/>s on free loopback ports, data under one temporary root removed on dispose.</summary>
public sealed class SecureManagers : IAsyncDisposable
{
    private readonly string _root;

    private SecureManagers(string root, IReadOnlyList<SecureManager> managers)
    {
        _root = root;
        Managers = managers;
    }

    public IReadOnlyList<SecureManager> Managers { get; }

    public SecureManager this[int index] => Managers[index];

    /// <summary>One manager per lab host, on the host's address (Raft on <paramref name="raftPort"/>, the API on <paramref name="apiPort"/>).</summary>
    public static SecureManagers OnLab(IReadOnlyList<ClusterKit.TestKit.LabHost> hosts, int raftPort = 4001, int apiPort = 4243)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var root = Directory.CreateTempSubdirectory("ckt-cluster-").FullName;
        var managers = hosts.Select((h, i) => new SecureManager(
            ManagerCluster.ManagerDll(),
            $"m{i + 1}",
            Path.Combine(root, $"m{i + 1}"),
            new IPEndPoint(IPAddress.Parse(h.Address), raftPort),
            new IPEndPoint(IPAddress.Parse(h.Address), apiPort),
            h.Namespace)).ToArray();
        return new SecureManagers(root, managers);
    }

    public static SecureManagers Create(int count)
    {
        var root = Directory.CreateTempSubdirectory("ckt-cluster-").FullName;
        var ports = LoopbackPorts.Free(count * 2);
        var managers = Enumerable.Range(0, count).Select(i => new SecureManager(
            ManagerCluster.ManagerDll(),
            $"m{i + 1}",
            Path.Combine(root, $"m{i + 1}"),
            new IPEndPoint(IPAddress.Loopback, ports[i]),
            new IPEndPoint(IPAddress.Loopback, ports[count + i]))).ToArray();
        return new SecureManagers(root, managers);
    }

    public async Task StartAllAsync()
    {
        foreach (var m in Managers)
        {
            m.Start();
        }

        foreach (var m in Managers)
        {
            await m.WaitForSocketAsync(TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>m1 inits; the others join through m1 with the manager token.</summary>
    public async Task<InitResponse> FormAsync()
    {
        await StartAllAsync();
        var init = await Managers[0].LocalCluster.InitAsync(new InitRequest(), deadline: DateTime.UtcNow.AddSeconds(60));
        foreach (var m in Managers.Skip(1))
        {
            await m.LocalCluster.JoinAsync(new JoinRequest { Token = init.ManagerToken, RemoteAddress = Managers[0].Api.ToString() }, deadline: DateTime.UtcNow.AddSeconds(120));
        }

        return init;
    }

    public string Describe() => string.Join("\n", Managers.Select(m => m.RecentOutput()));

    public async ValueTask DisposeAsync()
    {
        foreach (var m in Managers)
        {
            await m.DisposeAsync();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
