using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterKit.Manager.Tests.Store.Raft;

/// <summary>A follower's forwarded batch on the leader: its transactions stay together in log entries.</summary>
public sealed class GroupCommitterGroupTests
{
    private static Transaction Put(string key) => new()
    {
        Mutations = { new Mutation { Kind = Mutation.Types.Kind.Put, Object = new StoreObject { Kv = new KvPair { Key = key } } } },
    };

    /// <summary>Stands in for Raft: a slow flush per entry, then the apply; records each entry's keys.</summary>
    private sealed class SlowLog(MemoryStore store, TimeSpan flush)
    {
        public List<List<string>> Entries { get; } = [];

        public async ValueTask ReplicateAsync(ReadOnlyMemory<byte> payload, BatchContext context, CancellationToken token)
        {
            await Task.Delay(flush, token);
            var batch = LogBatch.Parser.ParseFrom(payload.Span);
            lock (Entries)
            {
                Entries.Add([.. batch.Transactions.Select(t => t.Mutations[0].Object.Kv.Key)]);
                context.Results = [.. batch.Transactions.Select(store.Apply)];
            }
        }
    }

    [Fact]
    public async Task A_group_is_never_split_across_entries_and_each_member_gets_its_own_verdict()
    {
        var store = new MemoryStore();
        var log = new SlowLog(store, TimeSpan.FromMilliseconds(20));
        await using var committer = new GroupCommitter(log.ReplicateAsync, new GroupCommitOptions { MaxTransactions = 16, MaxInFlight = 1 }, NullLogger.Instance);

        // Singles and groups interleaved: with 16 per entry, each group of 10 must sit whole in one entry.
        var singles = new List<Task<StoreCommitResult>>();
        var groups = new List<Task<StoreCommitResult>[]>();
        for (var g = 0; g < 6; g++)
        {
            singles.Add(committer.SubmitAsync(Put($"single{g}"), CancellationToken.None));
            var members = Enumerable.Range(0, 10).Select(i => Put($"g{g}-{i}")).ToList();
            if (g == 3)
            {
                members[4] = new Transaction { Mutations = { new Mutation { Kind = Mutation.Types.Kind.Create, Object = new StoreObject { Kv = new KvPair { Key = "single0" } } } } };
            }

            groups.Add(committer.SubmitGroup(members, CancellationToken.None));
        }

        await Task.WhenAll(singles.Concat(groups.SelectMany(g => g)));

        for (var g = 0; g < 6; g++)
        {
            var keys = Enumerable.Range(0, 10).Where(i => g != 3 || i != 4).Select(i => $"g{g}-{i}").ToList();
            Assert.Single(log.Entries, e => keys.All(e.Contains));
        }

        Assert.All(log.Entries, e => Assert.InRange(e.Count, 1, 16));
        Assert.StartsWith("create kv single0: already exists", (await groups[3][4]).Error, StringComparison.Ordinal);
        Assert.Equal(59, groups.SelectMany(g => g).Count(t => t.Result.IsCommitted));
        var versions = groups[2].Select(t => t.Result.Version).ToArray();
        Assert.Equal(versions.Order(), versions);
    }

    [Fact]
    public async Task A_group_above_the_entry_limit_goes_in_parts_of_at_most_the_limit()
    {
        var store = new MemoryStore();
        var log = new SlowLog(store, TimeSpan.FromMilliseconds(5));
        await using var committer = new GroupCommitter(log.ReplicateAsync, new GroupCommitOptions { MaxTransactions = 8, MaxInFlight = 1 }, NullLogger.Instance);
        var verdicts = committer.SubmitGroup([.. Enumerable.Range(0, 20).Select(i => Put($"k{i}"))], CancellationToken.None);
        var results = await Task.WhenAll(verdicts);

        Assert.All(results, r => Assert.True(r.IsCommitted));
        Assert.Equal([8, 8, 4], log.Entries.Select(e => e.Count));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"k{i}"), log.Entries.SelectMany(e => e));
    }

    [Fact]
    public async Task A_failed_replication_fails_every_member_of_the_group()
    {
        await using var committer = new GroupCommitter(
            (_, _, _) => ValueTask.FromException(new InvalidOperationException("disk gone")),
            new GroupCommitOptions(),
            NullLogger.Instance);
        foreach (var verdict in committer.SubmitGroup([Put("a"), Put("b")], CancellationToken.None))
        {
            var e = await Assert.ThrowsAsync<InvalidOperationException>(() => verdict);
            Assert.Equal("disk gone", e.Message);
        }
    }
}
