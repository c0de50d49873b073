using System.Diagnostics;
using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;

namespace ClusterKit.Bench.Raft;

/// <summary>
/// Where one write's time goes (--probe): a single sequential client times, on the leader and on a
/// follower, the gRPC round trip alone (Status) and a committed write (Propose), so that the
/// follower-to-leader hop and the Raft round can be told apart.
/// </summary>
internal static class Probe
{
    public static async Task<Dictionary<string, object>> RunAsync(BenchOptions options, string root)
    {
        await using var cluster = await BenchCluster.StartAsync(options, root, [.. options.ManagerArgs, "--log-level", "Warning"]);
        var leader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30));
        var follower = cluster.Managers.First(m => m != leader);
        await Console.Error.WriteLineAsync($"probe: leader {leader.NodeId}, follower {follower.NodeId}");
        var value = ByteString.CopyFrom(Load.Payload);
        var count = (int)Math.Max(200, options.Duration.TotalSeconds * 50);

        async Task<double[]> TimeAsync(Func<long, Task> call)
        {
            for (var i = 0; i < 20; i++)
            {
                await call(-i - 1);
            }

            var times = new double[count];
            for (var i = 0; i < count; i++)
            {
                var start = Stopwatch.GetTimestamp();
                await call(i);
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }

            Array.Sort(times);
            return times;
        }

        Task Propose(IBenchManager m, long i) => m.Client.ProposeAsync(
            new ProposeRequest
            {
                Transaction = new Transaction
                {
                    Mutations = { new Mutation { Kind = Mutation.Types.Kind.Put, Object = new StoreObject { Kv = new KvPair { Key = Load.Key(0, i), Value = value } } } },
                },
            },
            deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync;

        var result = new Dictionary<string, object>();
        foreach (var (name, call) in (IEnumerable<(string, Func<long, Task>)>)[
            ("status_on_leader", _ => leader.Client.StatusAsync(new StatusRequest()).ResponseAsync),
            ("status_on_follower", _ => follower.Client.StatusAsync(new StatusRequest()).ResponseAsync),
            ("write_on_leader", i => Propose(leader, i)),
            ("write_on_follower", i => Propose(follower, i)),
        ])
        {
            var times = await TimeAsync(call);
            var summary = new { p10 = Load.Percentile(times, 0.10), p50 = Load.Percentile(times, 0.50), p90 = Load.Percentile(times, 0.90), p99 = Load.Percentile(times, 0.99) };
            result[name] = summary;
            await Console.Error.WriteLineAsync($"probe {name}: p10 {summary.p10} p50 {summary.p50} p90 {summary.p90} p99 {summary.p99} ms ({count} calls)");
        }

        return result;
    }
}
