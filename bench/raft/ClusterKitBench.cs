using System.Diagnostics;
using System.Globalization;
using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;

namespace ClusterKit.Bench.Raft;

/// <summary>Three ck-manager processes (plain TCP, or mutual TLS with --tls); clients spread over all three (followers forward to the leader).</summary>
internal sealed class ClusterKitBench : IBenchSystem
{
    private readonly BenchOptions _options;
    private readonly BenchCluster _cluster;
    private readonly IBenchManager _first;
    private readonly ByteString _value = ByteString.CopyFrom(Load.Payload);
    private readonly IReadOnlyList<string> _managerArgs;

    private ClusterKitBench(BenchOptions options, BenchCluster cluster, IBenchManager first, IReadOnlyList<string> managerArgs)
    {
        _options = options;
        _cluster = cluster;
        _first = first;
        _managerArgs = managerArgs;
    }

    public string Name => "clusterkit";

    public string Settings => DescribeSettings(_managerArgs, _cluster.Transport);

    /// <summary>
    /// The Raft settings the managers run with: ck-manager's defaults (its options classes) with the flags this
    /// benchmark passed to every ck-manager applied on top, so that a --manager-arg shows up here.
    /// </summary>
    internal static string DescribeSettings(IReadOnlyList<string> managerArgs, string transport)
    {
        // ck-manager (and its options) runs on Linux only, as does this benchmark.
        if (!OperatingSystem.IsLinux())
        {
            return "unknown (ck-manager runs on Linux only)";
        }

        var options = new ClusterKit.Manager.Host.ManagerOptions();
        for (var i = 0; i + 1 < managerArgs.Count; i++)
        {
            switch (managerArgs[i])
            {
                case "--request-timeout-ms": options.RequestTimeoutMs = int.Parse(managerArgs[++i], CultureInfo.InvariantCulture); break;
                case "--election-timeout-ms": options.ElectionTimeoutMs = managerArgs[++i]; break;
                case "--batch-max": options.BatchMax = int.Parse(managerArgs[++i], CultureInfo.InvariantCulture); break;
                case "--snapshot-every": options.SnapshotEvery = long.Parse(managerArgs[++i], CultureInfo.InvariantCulture); break;
            }
        }

        var raft = new ClusterKit.Manager.Store.Raft.RaftNodeOptions
        {
            NodeId = "settings",
            DataDirectory = "/",
            RaftEndPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 1),
            ApiAddress = "127.0.0.1:1",
            LowerElectionTimeoutMs = options.LowerElectionTimeoutMs,
            UpperElectionTimeoutMs = options.UpperElectionTimeoutMs,
            RequestTimeout = options.RequestTimeout,
        };
        var groupCommit = new ClusterKit.Manager.Store.Raft.GroupCommitOptions { MaxTransactions = options.BatchMax };
        var dotNext = typeof(DotNext.Net.Cluster.Consensus.Raft.RaftCluster).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion.Split('+')[0] ?? "?";
        return $"DotNext.Net.Cluster {dotNext} TCP; " +
            $"election timeout {raft.LowerElectionTimeoutMs}-{raft.UpperElectionTimeoutMs} ms, heartbeat {raft.LowerElectionTimeoutMs / 2} ms (DotNext's threshold 0.5 of the lower election timeout), " +
            $"request timeout {raft.RequestTimeout.TotalSeconds:0.###} s, stalled leader given up after {raft.StalledLeaderAfter.TotalMilliseconds:0} ms; " +
            "sync: the leader flushes its WAL before commit, a follower before it acknowledges; " +
            $"group commit up to {groupCommit.MaxTransactions} tx and {groupCommit.MaxBytes / 1024} KiB per entry, {groupCommit.MaxInFlight} entries in flight; " +
            $"snapshot every {options.SnapshotEvery} entries; ck-manager args: {(managerArgs.Count == 0 ? "none" : string.Join(' ', managerArgs))}; {transport}";
    }

    public static async Task<ClusterKitBench> StartAsync(BenchOptions options, string root)
    {
        string[] extra = options.BatchMax is { } max
            ? [.. options.ManagerArgs, "--batch-max", max.ToString(System.Globalization.CultureInfo.InvariantCulture), "--log-level", "Warning"]
            : [.. options.ManagerArgs, "--log-level", "Warning"];
        var cluster = await BenchCluster.StartAsync(options, root, extra);
        try
        {
            return new ClusterKitBench(options, cluster, await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30)), extra);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public Task<IReadOnlyList<double>> WarmUpAsync() => Load.WarmUpAsync(Name, _options.WarmUp, PutAsync);

    public async Task<LevelResult> MeasureAsync(int clients)
    {
        var leader = await _cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
        var before = await leader.TryStatusAsync(TimeSpan.FromSeconds(2));
        var forwardedBefore = await ForwardedAsync(_cluster);
        var level = await Load.RunAsync(clients, _options.Duration, PutAsync);
        var after = await leader.TryStatusAsync(TimeSpan.FromSeconds(2));
        var forwardedAfter = await ForwardedAsync(_cluster);
        double? perEntry = before is not null && after is not null && after.Batches > before.Batches
            ? Math.Round((double)(after.BatchedTransactions - before.BatchedTransactions) / (after.Batches - before.Batches), 1)
            : null;
        double? perCall = forwardedAfter.Batches > forwardedBefore.Batches
            ? Math.Round((double)(forwardedAfter.Transactions - forwardedBefore.Transactions) / (forwardedAfter.Batches - forwardedBefore.Batches), 1)
            : null;
        await Console.Error.WriteLineAsync($"clusterkit {clients} clients: {level.WritesPerSecond}/s p50 {level.P50Ms} ms p99 {level.P99Ms} ms, {perEntry} tx/entry, {perCall} tx/forwarded call");
        return level with { TransactionsPerLogEntry = perEntry, TransactionsPerForwardedCall = perCall };
    }

    public async Task<FailoverResult> FailoverAsync(int trialCount, LeaderFault fault)
    {
        var trials = new List<double>();
        for (var trial = 0; trial < trialCount; trial++)
        {
            var leader = await _cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
            var survivor = _cluster.Managers.First(m => m != leader);
            await survivor.Client.ProposeAsync(new ProposeRequest { Transaction = PutTx("failover/warm", _value) }, deadline: DateTime.UtcNow.AddSeconds(10));

            var clock = Stopwatch.StartNew();
            if (fault == LeaderFault.Pause)
            {
                leader.Pause();
            }
            else
            {
                leader.Kill();
            }

            try
            {
                // One call: the survivor retries internally until a new leader commits the write.
                await survivor.Client.ProposeAsync(new ProposeRequest { Transaction = PutTx($"failover/{trial}", _value) }, deadline: DateTime.UtcNow.AddSeconds(20));
                trials.Add(clock.Elapsed.TotalMilliseconds);
                await Console.Error.WriteLineAsync($"clusterkit failover ({fault}) {trial}: {clock.Elapsed.TotalMilliseconds:0} ms");
            }
            finally
            {
                if (fault == LeaderFault.Pause)
                {
                    leader.Resume();
                }
                else
                {
                    leader.Start();
                }
            }

            await _cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
            var status = await survivor.TryStatusAsync(TimeSpan.FromSeconds(2));
            await WaitForVersionAsync(leader, status?.StoreVersion ?? 0, TimeSpan.FromSeconds(30));
        }

        return Load.Summarize(trials);
    }

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    private Task PutAsync(int client, long i, CancellationToken token)
        => (_options.LeaderOnly ? _first : _cluster.Managers[client % 3]).Client.ProposeAsync(
            new ProposeRequest
            {
                Transaction = new Transaction
                {
                    Mutations = { new Mutation { Kind = Mutation.Types.Kind.Put, Object = new StoreObject { Kv = new KvPair { Key = Load.Key(client, i), Value = _value } } } },
                },
            },
            deadline: DateTime.UtcNow.AddSeconds(10),
            cancellationToken: token).ResponseAsync;

    /// <summary>Forwarded calls and the transactions in them, summed over every manager (followers forward).</summary>
    private static async Task<(long Batches, long Transactions)> ForwardedAsync(BenchCluster cluster)
    {
        long batches = 0, transactions = 0;
        foreach (var manager in cluster.Managers)
        {
            if (await manager.TryStatusAsync(TimeSpan.FromSeconds(2)) is { } status)
            {
                batches += status.ForwardedBatches;
                transactions += status.ForwardedTransactions;
            }
        }

        return (batches, transactions);
    }

    private static Transaction PutTx(string key, ByteString value) => new()
    {
        Mutations = { new Mutation { Kind = Mutation.Types.Kind.Put, Object = new StoreObject { Kv = new KvPair { Key = key, Value = value } } } },
    };

    private static async Task WaitForVersionAsync(IBenchManager manager, ulong version, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            var status = await manager.TryStatusAsync(TimeSpan.FromSeconds(1));
            if (status is not null && status.StoreVersion >= version)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{manager.NodeId} did not catch up to store version {version}\n{manager.RecentOutput()}");
    }
}
