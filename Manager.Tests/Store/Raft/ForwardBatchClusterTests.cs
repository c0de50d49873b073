using ClusterKit.Proto.Manager.V1;
using Grpc.Core;

namespace ClusterKit.Manager.Tests.Store.Raft;

/// <summary>A follower's writes reach the leader in batched calls: three real ck-manager processes.</summary>
[Collection(RaftClusterCollection.Name)]
public sealed class ForwardBatchClusterTests
{
    private static readonly TimeSpan ElectionWait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Many_concurrent_writes_to_a_follower_commit_in_fewer_calls_and_every_manager_agrees()
    {
        const int Writes = 300;
        await using var cluster = ManagerCluster.Create(ManagerCluster.ManagerDll(), 3);
        cluster.StartAll();
        var leader = await cluster.WaitForLeaderAsync(ElectionWait);
        var follower = cluster.Managers.First(m => m != leader);
        var before = await follower.TryStatusAsync(TimeSpan.FromSeconds(5));
        Assert.NotNull(before);

        // One creation of a key that another of these writes creates too: exactly one of the two conflicts.
        var creates = new[] { CreateAsync(follower, "dup", "a"), CreateAsync(follower, "dup", "b") };
        var versions = await Task.WhenAll(Enumerable.Range(0, Writes).Select(i => ClusterTests.PutAsync(follower, $"k{i}", $"v{i}", TimeSpan.FromSeconds(30))));
        var created = await Task.WhenAll(creates);

        Assert.Equal(Writes, versions.Distinct().Count());
        Assert.Single(created, c => c.Conflict is null);
        var conflict = Assert.Single(created, c => c.Conflict is not null).Conflict;
        Assert.StartsWith("create kv dup: already exists", conflict, StringComparison.Ordinal);

        var after = await follower.TryStatusAsync(TimeSpan.FromSeconds(5));
        Assert.NotNull(after);
        var calls = after.ForwardedBatches - before.ForwardedBatches;
        var forwarded = after.ForwardedTransactions - before.ForwardedTransactions;
        Assert.Equal(Writes + 2, forwarded);
        Assert.InRange(calls, 1, (Writes + 2) / 2);

        // The leader forwards nothing; it committed them in entries shared by several writes.
        var leaderStatus = await leader.TryStatusAsync(TimeSpan.FromSeconds(5));
        Assert.NotNull(leaderStatus);
        Assert.Equal(0, leaderStatus.ForwardedBatches);
        Assert.True(leaderStatus.BatchedTransactions > leaderStatus.Batches, $"{leaderStatus.BatchedTransactions} transactions in {leaderStatus.Batches} entries");

        var last = versions.Append(created.Max(c => c.Version)).Max();
        var winner = created.Single(c => c.Conflict is null).Value;
        foreach (var m in cluster.Managers)
        {
            await ClusterTests.WaitForVersionAsync(m, last, TimeSpan.FromSeconds(30), cluster);
            for (var i = 0; i < Writes; i++)
            {
                Assert.Equal($"v{i}", await ClusterTests.GetAsync(m, $"k{i}", allowStale: true));
            }

            Assert.Equal(winner, await ClusterTests.GetAsync(m, "dup", allowStale: true));
        }
    }

    [Fact]
    public async Task Batched_writes_in_flight_when_the_leader_dies_are_retried_and_all_commit()
    {
        await using var cluster = ManagerCluster.Create(ManagerCluster.ManagerDll(), 3);
        cluster.StartAll();
        var leader = await cluster.WaitForLeaderAsync(ElectionWait);
        var follower = cluster.Managers.First(m => m != leader);
        await ClusterTests.PutAsync(follower, "warm", "up");

        // 16 writers keep a follower's queue full across the kill: every write must still commit,
        // through the batch that failed with the old leader and the retry with the new one.
        using var stop = new CancellationTokenSource();
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<(string Key, ulong Version)>();
        var writers = Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var key = $"w{w}-{i}";
                acknowledged.Add((key, await ClusterTests.PutAsync(follower, key, key, TimeSpan.FromSeconds(30))));
            }
        })).ToArray();

        await Task.Delay(500);
        var beforeKill = acknowledged.Count;
        leader.Kill();
        var next = await cluster.WaitForLeaderAsync(ElectionWait, except: leader);
        await Task.Delay(1000);
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        Assert.True(beforeKill > 0 && acknowledged.Count > beforeKill, $"{beforeKill} writes before the kill, {acknowledged.Count} in all");
        Assert.Equal(acknowledged.Count, acknowledged.Select(a => a.Version).Distinct().Count());
        var last = acknowledged.Max(a => a.Version);
        foreach (var m in cluster.Managers.Where(m => m != leader))
        {
            await ClusterTests.WaitForVersionAsync(m, last, TimeSpan.FromSeconds(30), cluster);
            foreach (var (key, _) in acknowledged)
            {
                Assert.Equal(key, await ClusterTests.GetAsync(m, key, allowStale: true));
            }
        }

        Assert.NotEqual(leader.NodeId, next.NodeId);
    }

    private static async Task<(ulong Version, string? Conflict, string Value)> CreateAsync(ManagerProcess manager, string key, string value)
    {
        var create = new Transaction
        {
            Mutations = { new Mutation { Kind = Mutation.Types.Kind.Create, Object = new StoreObject { Kv = new KvPair { Key = key, Value = Google.Protobuf.ByteString.CopyFromUtf8(value) } } } },
        };
        try
        {
            var response = await manager.Client.ProposeAsync(new ProposeRequest { Transaction = create }, deadline: DateTime.UtcNow.AddSeconds(30));
            return (response.Version, null, value);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
        {
            return (0, e.Status.Detail, value);
        }
    }
}
