using System.Diagnostics;

namespace ClusterKit.TestKit;

/// <summary>
/// A real etcd 3.4 (Debian's etcd-server, installed by scripts/setup.sh) of one member, or of several on loopback,
/// each with its data in a /tmp/ckt-etcd-* directory and its client and peer URLs on free 127.0.0.1 ports (never
/// etcd's default 2379/2380). The reference the etcd wire-protocol and conformance tests compare ClusterKit with.
/// Only the processes this class started are killed (by their PIDs), and the directory goes, in every outcome.
/// </summary>
public sealed class ReferenceEtcd : IAsyncDisposable
{
    internal const string Binary = "/usr/bin/etcd";
    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _temp = new("ckt-etcd");
    private readonly List<ReferenceEtcdMember> _members = [];

    private ReferenceEtcd()
    {
    }

    public IReadOnlyList<ReferenceEtcdMember> Members => _members;

    /// <summary>The first member's client URL (http://127.0.0.1:port), for a gRPC channel.</summary>
    public string ClientUrl => _members[0].ClientUrl;

    /// <summary>Every member's client address, comma-separated, as etcdctl's --endpoints takes them.</summary>
    public string Endpoints => string.Join(',', _members.Select(m => $"127.0.0.1:{m.ClientPort}"));

    public IReadOnlyList<int> ProcessIds => [.. _members.Select(m => m.ProcessId)];

    /// <summary>Starts <paramref name="memberCount"/> members as one new cluster and returns once every one reports healthy.</summary>
    public static async Task<ReferenceEtcd> StartAsync(int memberCount = 1, CancellationToken cancellationToken = default)
    {
        if (memberCount is < 1 or > 7)
        {
            throw new ArgumentOutOfRangeException(nameof(memberCount), memberCount, "an etcd cluster here has 1 to 7 members");
        }

        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: run scripts/setup.sh (package etcd-server)");
        }

        var etcd = new ReferenceEtcd();
        try
        {
            var ports = LoopbackPorts.Free(2 * memberCount);
            for (var i = 0; i < memberCount; i++)
            {
                etcd._members.Add(new ReferenceEtcdMember($"m{i + 1}", etcd._temp.Combine($"m{i + 1}"), ports[2 * i], ports[(2 * i) + 1]));
            }

            var initialCluster = string.Join(',', etcd._members.Select(m => $"{m.Name}={m.PeerUrl}"));
            var token = Path.GetFileName(etcd._temp.Path);
            foreach (var member in etcd._members)
            {
                member.Start(initialCluster, token);
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(StartPatience);
            await Task.WhenAll(etcd._members.Select(m => m.WaitHealthyAsync(deadline.Token)));
            return etcd;
        }
        catch
        {
            await etcd.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs etcdctl (v3 API) against these members.</summary>
    public Task<ProcessResult> EtcdctlAsync(IEnumerable<string> arguments, string? input = null) => Etcdctl.RunAsync(Endpoints, arguments, input);

    public async ValueTask DisposeAsync()
    {
        foreach (var member in _members)
        {
            await member.DisposeAsync();
        }

        _temp.Dispose();
    }
}

/// <summary>One etcd process of a <see cref="ReferenceEtcd"/>.</summary>
public sealed class ReferenceEtcdMember : IAsyncDisposable
{
    private static readonly TimeSpan HealthPoll = TimeSpan.FromMilliseconds(100);
    private OwnedProcess? _process;

    internal ReferenceEtcdMember(string name, string dataDirectory, int clientPort, int peerPort)
    {
        Name = name;
        DataDirectory = dataDirectory;
        ClientPort = clientPort;
        PeerPort = peerPort;
    }

    public string Name { get; }

    /// <summary>Its --data-dir, inside the cluster's temporary directory.</summary>
    public string DataDirectory { get; }

    public int ClientPort { get; }

    public int PeerPort { get; }

    public string ClientUrl => $"http://127.0.0.1:{ClientPort}";

    public string PeerUrl => $"http://127.0.0.1:{PeerPort}";

    public int ProcessId => _process?.Id ?? 0;

    /// <summary>What etcd wrote to stderr (warnings and errors, zap JSON lines).</summary>
    public string Log() => _process?.Log() ?? string.Empty;

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            await process.DisposeAsync();
            _process = null;
        }
    }

    internal void Start(string initialCluster, string clusterToken)
    {
        var info = new ProcessStartInfo(ReferenceEtcd.Binary);
        string[] arguments =
        [
            "--name", Name, "--data-dir", DataDirectory,
            "--listen-client-urls", ClientUrl, "--advertise-client-urls", ClientUrl,
            "--listen-peer-urls", PeerUrl, "--initial-advertise-peer-urls", PeerUrl,
            "--initial-cluster", initialCluster, "--initial-cluster-state", "new", "--initial-cluster-token", clusterToken,
            "--logger", "zap", "--log-outputs", "stderr", "--log-level", "warn",
        ];
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        _process = OwnedProcess.Start(info);
    }

    /// <summary>Polls etcd's own /health (HTTP on the client URL, independent of our protos) until it says true.</summary>
    internal async Task WaitHealthyAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var health = new Uri(ClientUrl + "/health");
        try
        {
            while (!await IsHealthyAsync(http, health, cancellationToken))
            {
                await Task.Delay(HealthPoll, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"etcd member {Name} was not healthy on {ClientUrl} in time: {Log()}");
        }
    }

    private async Task<bool> IsHealthyAsync(HttpClient http, Uri health, CancellationToken cancellationToken)
    {
        if (_process is not { HasExited: false })
        {
            throw new InvalidOperationException($"etcd member {Name} exited with {_process?.ExitCode}: {Log()}");
        }

        try
        {
            var body = await http.GetStringAsync(health, cancellationToken);
            return body.Contains("\"health\":\"true\"", StringComparison.Ordinal);
        }
        catch (HttpRequestException)
        {
            // Not listening yet.
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // One slow answer while the cluster elects a leader.
            return false;
        }
    }
}
