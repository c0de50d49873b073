// Raft store benchmark: 3 ck-manager processes on loopback against 3 etcd members (the anchor, driven over gRPC too),
// committed writes/s with p50/p99 at 1, 32 and 128 concurrent clients, then leader failover
// (kill -9 of the leader, and SIGSTOP of the leader, until the next write commits), in trials. Prints one JSON document.
//   dotnet bench/raft/bin/Release/net10.0/ck-bench-raft.dll [--duration-s 8] [--trials 10]
//     [--data-root DIR] [--skip-etcd] [--batch-max N] [--leader-only] [--warmup-s 20] [--tls] [--probe] [--wal-probe] [--failover-only] [--manager-arg ARG]...
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ClusterKit.Bench.Raft;

var options = BenchOptions.Parse(args);
var root = Path.Combine(options.DataRoot, "ckt-bench-raft-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)));
Directory.CreateDirectory(root);
var report = new Dictionary<string, object?>
{
    ["benchmark"] = "raft",
    ["machine"] = new { cores = Environment.ProcessorCount, os = Environment.OSVersion.VersionString, dotnet = Environment.Version.ToString() },
    ["duration_s_per_level"] = options.Duration.TotalSeconds,
    ["payload_bytes"] = Load.PayloadBytes,
    ["data_root"] = root,
    // Shared machine: other work competes for the 2 cores; compare the ratios, not absolutes.
    ["load_average_at_start"] = File.ReadAllText("/proc/loadavg").Trim(),
};
try
{
    if (options.WalProbe)
    {
        report["wal_probe"] = await WalProbe.RunAsync(options, Path.Combine(root, "wal"));
    }
    else if (options.Probe)
    {
        report["probe"] = await Probe.RunAsync(options, Path.Combine(root, "probe"));
    }
    else
    {
        await RunLevelsAsync();
    }
}
finally
{
    report["load_average_at_end"] = File.ReadAllText("/proc/loadavg").Trim();
    Directory.Delete(root, recursive: true);
}

Console.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));

async Task RunLevelsAsync()
{
    // Both systems run side by side and take turns at each client count, so that a change in the load of this
    // shared machine falls on both within seconds instead of on whichever ran at that minute.
    await using var clusterKit = await ClusterKitBench.StartAsync(options, Path.Combine(root, "ck"));
    await using var etcd = options.SkipEtcd ? null : await EtcdBench.StartAsync(options, Path.Combine(root, "etcd"));
    IBenchSystem[] systems = etcd is null ? [clusterKit] : [clusterKit, etcd];
    var warmUps = new Dictionary<IBenchSystem, IReadOnlyList<double>>();
    foreach (var system in systems)
    {
        warmUps[system] = options.FailoverOnly ? [] : await system.WarmUpAsync();
    }

    var levels = systems.ToDictionary(s => s, _ => new List<LevelResult>());
    foreach (var clients in options.FailoverOnly ? Array.Empty<int>() : BenchOptions.ClientCounts)
    {
        foreach (var system in systems)
        {
            levels[system].Add(await system.MeasureAsync(clients));
        }
    }

    var results = new Dictionary<IBenchSystem, SystemResult>();
    foreach (var system in systems)
    {
        var killed = await system.FailoverAsync(options.Trials, LeaderFault.Kill);
        results[system] = new SystemResult(system.Name, levels[system], killed, system.Settings)
        {
            WarmUpWritesPerSecond = warmUps[system],
            PausedLeaderFailover = await system.FailoverAsync(options.Trials, LeaderFault.Pause),
        };
    }

    report["clusterkit"] = results[clusterKit];
    if (etcd is not null)
    {
        report["etcd"] = results[etcd];
        report["ratio_writes_per_s_clusterkit_over_etcd"] = results[clusterKit].Writes.Zip(results[etcd].Writes).ToDictionary(
            p => p.First.Clients.ToString(CultureInfo.InvariantCulture),
            p => Math.Round(p.First.WritesPerSecond / p.Second.WritesPerSecond, 2));
        report["ratio_failover_median_clusterkit_over_etcd"] = Math.Round(results[clusterKit].Failover.MedianMs / results[etcd].Failover.MedianMs, 2);
        report["ratio_paused_leader_failover_median_clusterkit_over_etcd"] = Math.Round(results[clusterKit].PausedLeaderFailover!.MedianMs / results[etcd].PausedLeaderFailover!.MedianMs, 2);
    }
}

namespace ClusterKit.Bench.Raft
{
    internal sealed record BenchOptions(TimeSpan Duration, int Trials, string DataRoot, bool SkipEtcd, int? BatchMax, bool LeaderOnly)
    {
        /// <summary>Only time one write's hops (leader, follower, gRPC alone), no load levels.</summary>
        public bool Probe { get; init; }

        /// <summary>Only time the write-ahead log alone under each of its settings.</summary>
        public bool WalProbe { get; init; }

        /// <summary>Only the failover trials (kill -9 and paused leader), no warm-up and no load levels.</summary>
        public bool FailoverOnly { get; init; }

        /// <summary>Mutual TLS everywhere: a cluster formed by init and joins instead of a fixed member list.</summary>
        public bool Tls { get; init; }

        /// <summary>Extra ck-manager options, for experiments with its tuning.</summary>
        public IReadOnlyList<string> ManagerArgs { get; init; } = [];

        /// <summary>32 clients writing before the measured levels, so that the levels see warm processes.</summary>
        public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(20);

        public static readonly int[] ClientCounts = [1, 32, 128];

        public static BenchOptions Parse(string[] args)
        {
            var duration = TimeSpan.FromSeconds(8);
            var trials = 10;
            var dataRoot = "/var/tmp";
            var skipEtcd = false;
            int? batchMax = null;
            var leaderOnly = false;
            var probe = false;
            var walProbe = false;
            var tls = false;
            var failoverOnly = false;
            var warmUp = TimeSpan.FromSeconds(20);
            var managerArgs = new List<string>();
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--duration-s": duration = TimeSpan.FromSeconds(int.Parse(args[++i], CultureInfo.InvariantCulture)); break;
                    case "--trials": trials = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                    case "--data-root": dataRoot = args[++i]; break;
                    case "--skip-etcd": skipEtcd = true; break;
                    case "--batch-max": batchMax = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                    case "--leader-only": leaderOnly = true; break;
                    case "--probe": probe = true; break;
                    case "--wal-probe": walProbe = true; break;
                    case "--tls": tls = true; break;
                    case "--failover-only": failoverOnly = true; break;
                    case "--warmup-s": warmUp = TimeSpan.FromSeconds(int.Parse(args[++i], CultureInfo.InvariantCulture)); break;
                    case "--manager-arg": managerArgs.Add(args[++i]); break;
                    default: throw new ArgumentException($"option '{args[i]}' is unknown; allowed: --duration-s, --trials, --data-root, --skip-etcd, --batch-max, --leader-only, --tls, --probe, --wal-probe, --failover-only, --warmup-s, --manager-arg");
                }
            }

            return new BenchOptions(duration, trials, dataRoot, skipEtcd, batchMax, leaderOnly) { Probe = probe, WalProbe = walProbe, WarmUp = warmUp, Tls = tls, ManagerArgs = managerArgs, FailoverOnly = failoverOnly };
        }
    }

    /// <summary>One system under test: started once, then asked for a warm-up, each load level and the failover trials.</summary>
    internal interface IBenchSystem : IAsyncDisposable
    {
        string Name { get; }

        string Settings { get; }

        Task<IReadOnlyList<double>> WarmUpAsync();

        Task<LevelResult> MeasureAsync(int clients);

        Task<FailoverResult> FailoverAsync(int trialCount, LeaderFault fault);
    }

    internal sealed record LevelResult(int Clients, long Writes, long Errors, double WritesPerSecond, double P50Ms, double P99Ms, double MaxMs)
    {
        public double? TransactionsPerLogEntry { get; init; }

        public double? TransactionsPerForwardedCall { get; init; }
    }

    internal sealed record FailoverResult(double[] TrialsMs, double MedianMs, double MinMs, double MaxMs);

    internal sealed record SystemResult(string System, IReadOnlyList<LevelResult> Writes, FailoverResult Failover, string Settings)
    {
        /// <summary>Writes/s of each 2-second window of the warm-up (32 clients), to show when the processes were warm.</summary>
        public IReadOnlyList<double> WarmUpWritesPerSecond { get; init; } = [];

        /// <summary>Failover when the leader is paused (SIGSTOP, connections left open) instead of killed; resumed after each trial.</summary>
        public FailoverResult? PausedLeaderFailover { get; init; }
    }

    /// <summary>How a failover trial takes the leader away.</summary>
    internal enum LeaderFault
    {
        /// <summary>kill -9: connections are refused at once.</summary>
        Kill,

        /// <summary>SIGSTOP until the next write has committed, then SIGCONT.</summary>
        Pause,
    }

    internal static class Load
    {
        public const int PayloadBytes = 64;

        /// <summary>Runs <paramref name="clients"/> loops of sequential writes for a duration; each write's latency is kept.</summary>
        public static async Task<LevelResult> RunAsync(int clients, TimeSpan duration, Func<int, long, CancellationToken, Task> put)
        {
            var latencies = new List<double>[clients];
            var errors = 0L;
            using var stop = new CancellationTokenSource(duration);
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
            {
                var mine = latencies[c] = new List<double>(4096);
                for (long i = 0; !stop.IsCancellationRequested; i++)
                {
                    var start = Stopwatch.GetTimestamp();
                    try
                    {
                        await put(c, i, CancellationToken.None);
                        mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
            })));
            var seconds = clock.Elapsed.TotalSeconds;
            var all = latencies.SelectMany(l => l).Order().ToArray();
            return new LevelResult(
                clients,
                all.Length,
                errors,
                Math.Round(all.Length / seconds, 1),
                Percentile(all, 0.50),
                Percentile(all, 0.99),
                all.Length == 0 ? 0 : Math.Round(all[^1], 2));
        }

        /// <summary>
        /// 32 clients for the warm-up time in 2-second windows. A .NET manager runs unoptimized code until
        /// its JIT has caught up, which on a loaded 2-core host takes seconds; the levels measure warm processes.
        /// </summary>
        public static async Task<IReadOnlyList<double>> WarmUpAsync(string system, TimeSpan warmUp, Func<int, long, CancellationToken, Task> put)
        {
            var windows = new List<double>();
            for (var elapsed = TimeSpan.Zero; elapsed < warmUp; elapsed += TimeSpan.FromSeconds(2))
            {
                var window = await RunAsync(32, TimeSpan.FromSeconds(2), put);
                windows.Add(window.WritesPerSecond);
                await Console.Error.WriteLineAsync($"{system} warm-up {elapsed.TotalSeconds:0}-{(elapsed + TimeSpan.FromSeconds(2)).TotalSeconds:0} s: {window.WritesPerSecond}/s p50 {window.P50Ms} ms");
            }

            return windows;
        }

        public static double Percentile(double[] sorted, double p)
            => sorted.Length == 0 ? 0 : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)], 2);

        public static FailoverResult Summarize(List<double> trials)
        {
            var sorted = trials.Order().ToArray();
            return new FailoverResult([.. trials.Select(t => Math.Round(t, 1))], Percentile(sorted, 0.5), Math.Round(sorted[0], 1), Math.Round(sorted[^1], 1));
        }

        public static string Key(int client, long i) => $"bench/{client}/{i % 1000}";

        public static byte[] Payload { get; } = [.. Enumerable.Range(0, PayloadBytes).Select(i => (byte)('a' + (i % 26)))];
    }
}
