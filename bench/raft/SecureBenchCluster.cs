using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using ClusterKit.Manager.Tests.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Identity;
using ClusterKit.Shared.Net;
using ClusterKit.TestKit;
using Grpc.Core;
using Grpc.Net.Client;
using IdentityRole = ClusterKit.Shared.Identity.NodeRole;

namespace ClusterKit.Bench.Raft;

/// <summary>
/// --tls: three managers formed as in production: the first runs `cluster init` (a throwaway root CA
/// and certificates made by ck-manager itself), the others join with the manager token; Raft, the
/// forwarding between managers and the benchmark's clients (the admin certificate from init) all
/// speak mutual TLS.
/// </summary>
internal sealed class SecureBenchCluster : BenchCluster
{
    private readonly SecureManager[] _managers;

    private SecureBenchCluster(SecureManager[] managers)
    {
        _managers = managers;
    }

    public override IReadOnlyList<IBenchManager> Managers => _managers;

    public override string Transport => "mutual TLS (cluster init + joins; Raft, forwarding and clients)";

    public static async Task<BenchCluster> StartAsync(string root, IReadOnlyList<string> managerArgs)
    {
        var ports = LoopbackPorts.Free(6);
        var managers = Enumerable.Range(0, 3).Select(i => new SecureManager(
            ManagerCluster.ManagerDll(),
            Path.Combine(root, $"m{i + 1}"),
            new IPEndPoint(IPAddress.Loopback, ports[i]),
            new IPEndPoint(IPAddress.Loopback, ports[3 + i]),
            managerArgs)).ToArray();
        var cluster = new SecureBenchCluster(managers);
        try
        {
            foreach (var m in managers)
            {
                m.Start();
            }

            foreach (var m in managers)
            {
                await m.WaitForSocketAsync(TimeSpan.FromSeconds(60));
            }

            var init = await RetryAsync("init", () => new ClusterService.ClusterServiceClient(managers[0].Local).InitAsync(new InitRequest(), deadline: DateTime.UtcNow.AddSeconds(60)).ResponseAsync);
            var admin = new NodeCredentials(
                X509Certificate2.CreateFromPem(init.AdminCertificatePem, init.AdminKeyPem),
                TrustBundle.Of(init.RootCertificatesPem.Select(pem => X509Certificate2.CreateFromPem(pem))));
            foreach (var m in managers.Skip(1))
            {
                await RetryAsync("join", () => new ClusterService.ClusterServiceClient(m.Local).JoinAsync(
                    new JoinRequest { Token = init.ManagerToken, RemoteAddress = managers[0].Api.ToString() },
                    deadline: DateTime.UtcNow.AddSeconds(120)).ResponseAsync);
            }

            foreach (var m in managers)
            {
                await m.LearnIdentityAsync(admin);
            }
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    /// <summary>A loaded host can fail a first init or join (a manager still starting); three tries, each failure reported.</summary>
    private static async Task<T> RetryAsync<T>(string what, Func<Task<T>> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (RpcException e) when (attempt < 3 && e.StatusCode is StatusCode.Unknown or StatusCode.Unavailable or StatusCode.DeadlineExceeded)
            {
                await Console.Error.WriteLineAsync($"{what} failed ({e.StatusCode}: {e.Status.Detail}); trying again");
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
        }
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var m in _managers)
        {
            await m.DisposeAsync();
        }
    }

    /// <summary>A ck-manager without a fixed member list: it waits for init or join on its local socket.</summary>
    private sealed class SecureManager(string managerDll, string dataDirectory, IPEndPoint raft, IPEndPoint api, IReadOnlyList<string> extraArgs) : IBenchManager, IAsyncDisposable
    {
        private readonly Lock _outputGate = new();
        private readonly Queue<string> _output = new();
        private readonly string _socketPath = dataDirectory + ".sock";
        private Process? _process;
        private GrpcChannel? _local;
        private GrpcChannel? _tls;

        public IPEndPoint Api => api;

        public string NodeId { get; private set; } = Path.GetFileName(dataDirectory);

        public GrpcChannel Local => _local ??= LocalChannel(_socketPath);

        /// <summary>The measured path: the store API over mutual TLS with the admin certificate.</summary>
        public StoreService.StoreServiceClient Client => new(_tls ?? throw new InvalidOperationException($"manager {NodeId} has not joined yet"));

        public void Start()
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in (string[])[
                managerDll, "--data-dir", dataDirectory, "--raft-address", raft.ToString(), "--api-address", api.ToString(),
                "--socket", _socketPath, .. extraArgs])
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

        public async Task WaitForSocketAsync(TimeSpan timeout)
        {
            var until = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < until)
            {
                if (UnixSocket.Answers(_socketPath))
                {
                    return;
                }

                if (_process is { HasExited: true } p)
                {
                    throw new InvalidOperationException($"manager in {dataDirectory} exited with {p.ExitCode}:\n{RecentOutput()}");
                }

                await Task.Delay(50);
            }

            throw new TimeoutException($"manager in {dataDirectory} did not open {_socketPath} within {timeout.TotalSeconds} s:\n{RecentOutput()}");
        }

        /// <summary>After init or join: the node id the cluster gave, and a TLS channel presenting the admin certificate.</summary>
        public async Task LearnIdentityAsync(NodeCredentials admin)
        {
            var status = await new StoreService.StoreServiceClient(Local).StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.AddSeconds(30));
            NodeId = status.NodeId;
            var validator = new PeerCertificateValidator(admin.Identity.ClusterId, () => admin.Trust, TimeProvider.System);
            var factory = new TlsOptionsFactory(new NodeCredentialsHolder(admin), validator);
            _tls = GrpcChannel.ForAddress("https://" + api, new GrpcChannelOptions { HttpHandler = factory.CreateHttpHandler([IdentityRole.Manager]) });
        }

        /// <summary>Status over the root-only local socket, so that a status call never competes with the measured TLS path.</summary>
        public async Task<StatusResponse?> TryStatusAsync(TimeSpan timeout)
        {
            if (_process is not { HasExited: false })
            {
                return null;
            }

            try
            {
                return await new StoreService.StoreServiceClient(Local).StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow + timeout);
            }
            catch (RpcException)
            {
                return null;
            }
        }

        public void Kill()
        {
            if (_process is { HasExited: false } p)
            {
                p.Kill(entireProcessTree: false);
                p.WaitForExit(10_000);
            }

            // The socket file is recreated by the next start; a stale channel would keep the old connection.
            _local?.Dispose();
            _local = null;
        }

        public void Pause() => ManagerProcess.Signal(_process, "-STOP");

        public void Resume() => ManagerProcess.Signal(_process, "-CONT");

        public string RecentOutput()
        {
            lock (_outputGate)
            {
                return string.Join('\n', _output.TakeLast(15));
            }
        }

        public ValueTask DisposeAsync()
        {
            Resume();
            Kill();
            _process?.Dispose();
            _process = null;
            _tls?.Dispose();
            _tls = null;
            return ValueTask.CompletedTask;
        }

        private static GrpcChannel LocalChannel(string socketPath) => UnixSocket.Channel(socketPath);

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
}
