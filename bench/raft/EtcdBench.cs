using System.Diagnostics;
using System.Globalization;
using ClusterKit.Manager.Tests.Store.Raft;
using ClusterKit.Proto.Etcd.Rpc;
using ClusterKit.TestKit;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace ClusterKit.Bench.Raft;

/// <summary>
/// The anchor: three etcd 3.4 members (Debian's etcd-server, scripts/bench-deps.sh) on loopback,
/// driven with the same client counts over gRPC as ClusterKit is (etcd's <c>KV/Put</c> on its client
/// URL, h2c, one channel per member as for the ck-managers), clients spread over all three members.
/// </summary>
internal sealed class EtcdBench : IBenchSystem
{
    // etcd's defaults, passed explicitly so that the settings printed are the flags it was launched with.
    private const int HeartbeatMs = 100;
    private const int ElectionMs = 1000;

    private readonly BenchOptions _options;
    private readonly EtcdMember[] _members;
    private readonly string _initialCluster;
    private readonly ByteString _value = ByteString.CopyFrom(Load.Payload);

    private EtcdBench(BenchOptions options, EtcdMember[] members, string initialCluster)
    {
        _options = options;
        _members = members;
        _initialCluster = initialCluster;
    }

    public string Name => "etcd";

    public string Settings =>
        $"{EtcdVersion()}; launched with {string.Join(' ', _members[0].TuningFlags)} (heartbeat {HeartbeatMs} ms, election timeout {ElectionMs} ms); " +
        $"request timeout {(5000 + (2 * ElectionMs)) / 1000.0:0.#} s (etcd: 5 s + 2 x election timeout); sync: WAL fsync before a member acknowledges (always on in 3.4); " +
        "group commit: raft batches the proposals pending at each step into one WAL write; clients: gRPC KV/Put, h2c, one channel per member";

    public static async Task<EtcdBench> StartAsync(BenchOptions options, string root)
    {
        var ports = LoopbackPorts.Free(6);
        var members = Enumerable.Range(0, 3).Select(i => new EtcdMember($"e{i + 1}", Path.Combine(root, $"e{i + 1}"), ports[i], ports[3 + i])).ToArray();
        var bench = new EtcdBench(options, members, string.Join(',', members.Select(m => $"{m.Name}=http://127.0.0.1:{m.PeerPort}")));
        try
        {
            foreach (var m in members)
            {
                m.Start(bench._initialCluster);
            }

            await WaitForLeaderAsync(members, TimeSpan.FromSeconds(30));
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
            var leader = await WaitForLeaderAsync(_members, TimeSpan.FromSeconds(30));
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
                    // One attempt per second, sent again after a failure or time-out, as an etcd client would.
                    await new KV.KVClient(survivor.Channel).PutAsync(
                        new PutRequest { Key = ByteString.CopyFromUtf8("failover"), Value = _value }, deadline: DateTime.UtcNow.AddSeconds(1));
                    break;
                }
                catch (RpcException)
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

            await WaitForLeaderAsync(_members, TimeSpan.FromSeconds(30));
        }

        return Load.Summarize(trials);
    }

    public ValueTask DisposeAsync()
    {
        foreach (var m in _members)
        {
            m.Kill();
            m.Channel.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private Task PutAsync(int client, long i, CancellationToken token)
        => new KV.KVClient(_members[client % 3].Channel).PutAsync(
            new PutRequest { Key = ByteString.CopyFromUtf8(Load.Key(client, i)), Value = _value },
            deadline: DateTime.UtcNow.AddSeconds(10),
            cancellationToken: token).ResponseAsync;

    /// <summary>Waits until every running member names the same leader (Maintenance/Status); returns that member.</summary>
    private static async Task<EtcdMember> WaitForLeaderAsync(EtcdMember[] members, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            var running = members.Where(m => m.IsRunning).ToArray();
            var statuses = new List<(EtcdMember Member, ulong Id, ulong Leader)>();
            foreach (var m in running)
            {
                try
                {
                    var status = await new Maintenance.MaintenanceClient(m.Channel).StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.AddSeconds(1));
                    statuses.Add((m, status.Header.MemberId, status.Leader));
                }
                catch (RpcException)
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

    private static string EtcdVersion()
    {
        try
        {
            using var etcd = Process.Start(new ProcessStartInfo("etcd", "--version") { RedirectStandardOutput = true, UseShellExecute = false })!;
            var first = etcd.StandardOutput.ReadLine() ?? "etcd";
            etcd.WaitForExit(5000);
            return first.Trim();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "etcd (version unknown)";
        }
    }

    private sealed class EtcdMember(string name, string dataDirectory, int clientPort, int peerPort)
    {
        private Process? _process;

        public string Name { get; } = name;

        public int ClientPort { get; } = clientPort;

        public int PeerPort { get; } = peerPort;

        public bool IsRunning => _process is { HasExited: false };

        /// <summary>gRPC on the client URL (h2c), kept across restarts of the member.</summary>
        public GrpcChannel Channel { get; } = GrpcChannel.ForAddress($"http://127.0.0.1:{clientPort}");

        /// <summary>The timing flags every member is launched with.</summary>
        public string[] TuningFlags { get; } =
            ["--heartbeat-interval", HeartbeatMs.ToString(CultureInfo.InvariantCulture), "--election-timeout", ElectionMs.ToString(CultureInfo.InvariantCulture)];

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
                "--log-level", "error", .. TuningFlags])
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
