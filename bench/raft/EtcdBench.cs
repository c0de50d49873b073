using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using ClusterKit.Manager.Tests.Store.Raft;

namespace ClusterKit.Bench.Raft;

/// <summary>
/// The anchor: three etcd 3.4 members (Debian's etcd-server, scripts/bench-deps.sh) on loopback,
/// driven with the same client counts through etcd's JSON gateway (POST /v3/kv/put), clients
/// spread over all three members as for ClusterKit.
/// </summary>
internal sealed class EtcdBench : IBenchSystem
{
    private readonly BenchOptions _options;
    private readonly EtcdMember[] _members;
    private readonly string _initialCluster;
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };

    private readonly string _value = Convert.ToBase64String(Load.Payload);

    private EtcdBench(BenchOptions options, EtcdMember[] members, string initialCluster)
    {
        _options = options;
        _members = members;
        _initialCluster = initialCluster;
    }

    public string Name => "etcd";

    public string Settings => "etcd 3.4.23 (Debian), defaults: heartbeat 100 ms, election 1000 ms; JSON gateway over HTTP/1.1";

    public static async Task<EtcdBench> StartAsync(BenchOptions options, string root)
    {
        var ports = ManagerCluster.FreePorts(6);
        var members = Enumerable.Range(0, 3).Select(i => new EtcdMember($"e{i + 1}", Path.Combine(root, $"e{i + 1}"), ports[i], ports[3 + i])).ToArray();
        var bench = new EtcdBench(options, members, string.Join(',', members.Select(m => $"{m.Name}=http://127.0.0.1:{m.PeerPort}")));
        try
        {
            foreach (var m in members)
            {
                m.Start(bench._initialCluster);
            }

            await WaitForLeaderAsync(bench._http, members, null, TimeSpan.FromSeconds(30));
            return bench;
        }
        catch
        {
            await bench.DisposeAsync();
            throw;
        }
    }

    public Task<IReadOnlyList<double>> WarmUpAsync() => Load.WarmUpAsync(Name, _options.WarmUp, PutAsync);

    public async Task<LevelResult> MeasureAsync(int clients)
    {
        var level = await Load.RunAsync(clients, _options.Duration, PutAsync);
        await Console.Error.WriteLineAsync($"etcd {clients} clients: {level.WritesPerSecond}/s p50 {level.P50Ms} ms p99 {level.P99Ms} ms");
        return level;
    }

    public async Task<FailoverResult> FailoverAsync(int trialCount, LeaderFault fault)
    {
        var trials = new List<double>();
        for (var trial = 0; trial < trialCount; trial++)
        {
            var leader = await WaitForLeaderAsync(_http, _members, null, TimeSpan.FromSeconds(30));
            var survivor = _members.First(m => m != leader);
            var clock = Stopwatch.StartNew();
            if (fault == LeaderFault.Pause)
            {
                leader.Pause();
            }
            else
            {
                leader.Kill();
            }

            while (true)
            {
                try
                {
                    using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                    using var response = await _http.PostAsJsonAsync(
                        $"http://127.0.0.1:{survivor.ClientPort}/v3/kv/put",
                        new Dictionary<string, string> { ["key"] = Convert.ToBase64String("failover"u8.ToArray()), ["value"] = _value },
                        attempt.Token);
                    if (response.IsSuccessStatusCode)
                    {
                        break;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
                {
                }

                if (clock.Elapsed > TimeSpan.FromSeconds(30))
                {
                    leader.Resume();
                    throw new TimeoutException("etcd did not commit a write within 30 s of losing its leader");
                }

                await Task.Delay(5);
            }

            trials.Add(clock.Elapsed.TotalMilliseconds);
            await Console.Error.WriteLineAsync($"etcd failover ({fault}) {trial}: {clock.Elapsed.TotalMilliseconds:0} ms");
            if (fault == LeaderFault.Pause)
            {
                leader.Resume();
            }
            else
            {
                leader.Start(_initialCluster);
            }

            await WaitForLeaderAsync(_http, _members, null, TimeSpan.FromSeconds(30));
        }

        return Load.Summarize(trials);
    }

    public ValueTask DisposeAsync()
    {
        foreach (var m in _members)
        {
            m.Kill();
        }

        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task PutAsync(int client, long i, CancellationToken token)
    {
        var member = _members[client % 3];
        using var response = await _http.PostAsJsonAsync(
            $"http://127.0.0.1:{member.ClientPort}/v3/kv/put",
            new Dictionary<string, string> { ["key"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Load.Key(client, i))), ["value"] = _value },
            token);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Waits until every running member names the same leader; returns that member.</summary>
    private static async Task<EtcdMember> WaitForLeaderAsync(HttpClient http, EtcdMember[] members, EtcdMember? except, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            var running = members.Where(m => m.IsRunning && m != except).ToArray();
            var statuses = new List<(EtcdMember Member, string Id, string Leader)>();
            foreach (var m in running)
            {
                try
                {
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                    using var response = await http.PostAsync($"http://127.0.0.1:{m.ClientPort}/v3/maintenance/status", new StringContent("{}"), cts.Token);
                    using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cts.Token));
                    var id = doc.RootElement.GetProperty("header").GetProperty("member_id").GetString()!;
                    var leader = doc.RootElement.TryGetProperty("leader", out var l) ? l.GetString() ?? "0" : "0";
                    statuses.Add((m, id, leader));
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException or KeyNotFoundException)
                {
                }
            }

            if (statuses.Count == running.Length && statuses.Count > 0 && statuses.Select(s => s.Leader).Distinct().Count() == 1)
            {
                var leaderId = statuses[0].Leader;
                var leader = statuses.FirstOrDefault(s => s.Id == leaderId).Member;
                if (leader is not null)
                {
                    return leader;
                }
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"etcd elected no leader within {timeout.TotalSeconds} s");
    }

    private sealed class EtcdMember(string name, string dataDirectory, int clientPort, int peerPort)
    {
        private Process? _process;

        public string Name { get; } = name;

        public int ClientPort { get; } = clientPort;

        public int PeerPort { get; } = peerPort;

        public bool IsRunning => _process is { HasExited: false };

        public void Start(string initialCluster)
        {
            var start = new ProcessStartInfo("etcd")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            var existing = Directory.Exists(dataDirectory);
            foreach (var arg in (string[])[
                "--name", Name, "--data-dir", dataDirectory,
                "--listen-client-urls", $"http://127.0.0.1:{ClientPort}", "--advertise-client-urls", $"http://127.0.0.1:{ClientPort}",
                "--listen-peer-urls", $"http://127.0.0.1:{PeerPort}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{PeerPort}",
                "--initial-cluster", initialCluster, "--initial-cluster-state", existing ? "existing" : "new",
                "--initial-cluster-token", "ckt-bench-" + Path.GetFileName(Path.GetDirectoryName(dataDirectory)!),
                "--log-level", "error"])
            {
                start.ArgumentList.Add(arg);
            }

            _process = Process.Start(start) ?? throw new InvalidOperationException("etcd did not start");
            _process.OutputDataReceived += static (_, _) => { };
            _process.ErrorDataReceived += static (_, _) => { };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public void Kill()
        {
            Resume();
            if (_process is { HasExited: false } p)
            {
                p.Kill();
                p.WaitForExit(10_000);
            }
        }

        public void Pause() => ManagerProcess.Signal(_process, "-STOP");

        public void Resume() => ManagerProcess.Signal(_process, "-CONT");
    }
}
