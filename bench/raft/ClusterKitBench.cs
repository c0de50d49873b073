using System.Diagnostics;
using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;
using Task = System.Threading.Tasks.Task;

namespace ClusterKit.Bench.Raft;

/// <summary>Three ck-manager processes (plain TCP, or mutual TLS with --tls); clients spread over all three (followers forward to the leader).</summary>
internal static class ClusterKitBench
{
    public static async Task<SystemResult> RunAsync(BenchOptions options, string root)
    {
        string[] extra = options.BatchMax is { } max
            ? [.. options.ManagerArgs, "--batch-max", max.ToString(System.Globalization.CultureInfo.InvariantCulture), "--log-level", "Warning"]
            : [.. options.ManagerArgs, "--log-level", "Warning"];
        await using var cluster = await BenchCluster.StartAsync(options, root, extra);
        var first = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
        var value = ByteString.CopyFrom(Load.Payload);

        Task Put(int client, long i, CancellationToken token)
            => (options.LeaderOnly ? first : cluster.Managers[client % 3]).Client.ProposeAsync(
                new ProposeRequest
                {
                    Transaction = new Transaction
                    {
                        Mutations = { new Mutation { Kind = Mutation.Types.Kind.Put, Object = new StoreObject { Kv = new KvPair { Key = Load.Key(client, i), Value = value } } } },
                    },
                },
                deadline: DateTime.UtcNow.AddSeconds(10),
                cancellationToken: token).ResponseAsync;

        var warmUp = await Load.WarmUpAsync("clusterkit", options.WarmUp, Put);
        var levels = new List<LevelResult>();
        foreach (var clients in BenchOptions.ClientCounts)
        {
            var leader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
            var before = await leader.TryStatusAsync(TimeSpan.FromSeconds(2));
            var level = await Load.RunAsync(clients, options.Duration, Put);
            var after = await leader.TryStatusAsync(TimeSpan.FromSeconds(2));
            double? perEntry = before is not null && after is not null && after.Batches > before.Batches
                ? Math.Round((double)(after.BatchedTransactions - before.BatchedTransactions) / (after.Batches - before.Batches), 1)
                : null;
            levels.Add(level with { TransactionsPerLogEntry = perEntry });
            await Console.Error.WriteLineAsync($"clusterkit {clients} clients: {level.WritesPerSecond}/s p50 {level.P50Ms} ms p99 {level.P99Ms} ms, {perEntry} tx/entry");
        }

        var trials = new List<double>();
        for (var trial = 0; trial < options.Trials; trial++)
        {
            var leader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
            var survivor = cluster.Managers.First(m => m != leader);
            await survivor.Client.ProposeAsync(new ProposeRequest { Transaction = PutTx("failover/warm", value) }, deadline: DateTime.UtcNow.AddSeconds(10));

            var clock = Stopwatch.StartNew();
            leader.Kill();

            // One call: the survivor retries internally until a new leader commits the write.
            await survivor.Client.ProposeAsync(new ProposeRequest { Transaction = PutTx($"failover/{trial}", value) }, deadline: DateTime.UtcNow.AddSeconds(20));
            trials.Add(clock.Elapsed.TotalMilliseconds);
            await Console.Error.WriteLineAsync($"clusterkit failover {trial}: {clock.Elapsed.TotalMilliseconds:0} ms");

            leader.Start();
            await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
            var status = await survivor.TryStatusAsync(TimeSpan.FromSeconds(2));
            await WaitForVersionAsync(leader, status?.StoreVersion ?? 0, TimeSpan.FromSeconds(30));
        }

        return new SystemResult(
            "clusterkit",
            levels,
            Load.Summarize(trials),
            $"DotNext.Net.Cluster 6.12.0 TCP, election 150-300 ms, request timeout 5 s, group commit max {options.BatchMax ?? 1024} tx/entry, {new ClusterKit.Manager.Store.Raft.GroupCommitOptions().MaxInFlight} batches in flight; {cluster.Transport}")
        {
            WarmUpWritesPerSecond = warmUp,
        };
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
