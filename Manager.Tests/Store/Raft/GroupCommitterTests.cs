using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterKit.Manager.Tests.Store.Raft;

public sealed class GroupCommitterTests
{
    private static Transaction Put(string key) => new()
    {
        Mutations = { new Mutation { Kind = Mutation.Types.Kind.Put, Object = new StoreObject { Kv = new KvPair { Key = key } } } },
    };

    /// <summary>Stands in for Raft: a slow "flush" per entry, then the apply that fills the context.</summary>
    private sealed class SlowLog(MemoryStore store, TimeSpan flush)
    {
        public List<int> EntrySizes { get; } = [];

        public async ValueTask ReplicateAsync(ReadOnlyMemory<byte> payload, BatchContext context, CancellationToken token)
        {
            await Task.Delay(flush, token);
            var batch = LogBatch.Parser.ParseFrom(payload.Span);
            lock (EntrySizes)
            {
                EntrySizes.Add(batch.Transactions.Count);
                context.Results = [.. batch.Transactions.Select(store.Apply)];
            }
        }
    }

    [Fact]
    public async Task Concurrent_writers_share_log_entries_and_each_gets_its_own_verdict()
    {
        var store = new MemoryStore();
        var log = new SlowLog(store, TimeSpan.FromMilliseconds(20));
        await using var committer = new GroupCommitter(log.ReplicateAsync, new GroupCommitOptions { MaxInFlight = 1 }, NullLogger.Instance);

        var writes = Enumerable.Range(0, 200).Select(i => committer.SubmitAsync(Put($"k{i}"), CancellationToken.None)).ToArray();
        var create = new Transaction { Mutations = { new Mutation { Kind = Mutation.Types.Kind.Create, Object = new StoreObject { Kv = new KvPair { Key = "k0" } } } } };
        var conflicting = committer.SubmitAsync(create, CancellationToken.None);
        var results = await Task.WhenAll(writes);

        Assert.All(results, r => Assert.True(r.IsCommitted));
        Assert.Equal(200, results.Select(r => r.Version).Distinct().Count());
        Assert.Equal("create kv k0: already exists (version 1)", (await conflicting).Error);

        // 201 transactions in far fewer entries than writers: that is the point.
        Assert.Equal(201, log.EntrySizes.Sum());
        Assert.True(log.EntrySizes.Count <= 10, $"{log.EntrySizes.Count} entries: {string.Join(",", log.EntrySizes)}");
        Assert.Equal(log.EntrySizes.Count, committer.Batches);
    }

    [Fact]
    public async Task A_batch_respects_the_transaction_limit()
    {
        var store = new MemoryStore();
        var log = new SlowLog(store, TimeSpan.FromMilliseconds(5));
        await using var committer = new GroupCommitter(log.ReplicateAsync, new GroupCommitOptions { MaxTransactions = 8, MaxInFlight = 1 }, NullLogger.Instance);
        await Task.WhenAll(Enumerable.Range(0, 100).Select(i => committer.SubmitAsync(Put($"k{i}"), CancellationToken.None)));
        Assert.All(log.EntrySizes, size => Assert.InRange(size, 1, 8));
        Assert.Equal(100UL, store.Version);
    }

    [Fact]
    public async Task A_failed_replication_fails_every_writer_of_that_batch()
    {
        await using var committer = new GroupCommitter(
            (_, _, _) => ValueTask.FromException(new InvalidOperationException("disk gone")),
            new GroupCommitOptions(),
            NullLogger.Instance);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => committer.SubmitAsync(Put("k"), CancellationToken.None));
        Assert.Equal("disk gone", e.Message);
    }

    [Fact]
    public void Bad_options_are_refused_with_the_value_and_the_range()
    {
        var e = Assert.Throws<ArgumentException>(() => new GroupCommitOptions { MaxInFlight = 0 }.Validate());
        Assert.Equal("group commit: MaxInFlight 0 is invalid; allowed: 1 to 16", e.Message);
    }
}
