using ClusterKit.Manager.Store;
using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;

namespace ClusterKit.Manager.Tests.Store;

public sealed class WatchTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Watchers_get_typed_changes_then_a_commit_marker()
    {
        var store = new MemoryStore();
        store.Update(tx => tx.Create(new ClusterTask { Id = "t1", DesiredState = TaskState.Running }));
        using var cts = new CancellationTokenSource(Timeout);
        await using var events = store.WatchAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        store.Update(tx =>
        {
            var t = tx.Get<ClusterTask>("t1")!;
            t.DesiredState = TaskState.Shutdown;
            tx.Update(t);
            tx.Create(new Node { Id = "n1" });
        });

        Assert.True(await events.MoveNextAsync());
        var change = Assert.IsType<ObjectChange<ClusterTask>>(events.Current);
        Assert.Equal(ChangeKind.Updated, change.Kind);
        Assert.Equal(TaskState.Running, change.Old!.DesiredState);
        Assert.Equal(TaskState.Shutdown, change.New!.DesiredState);
        Assert.Equal(2UL, change.Version);

        Assert.True(await events.MoveNextAsync());
        Assert.Equal(ChangeKind.Created, Assert.IsType<ObjectChange<Node>>(events.Current).Kind);

        Assert.True(await events.MoveNextAsync());
        Assert.Equal(new TransactionCommitted(2, 2), events.Current);
    }

    [Fact]
    public async Task ViewAndWatch_misses_nothing_and_repeats_nothing_under_concurrent_writes()
    {
        var store = new MemoryStore();
        using var cts = new CancellationTokenSource(Timeout);
        var writer = Task.Run(() =>
        {
            for (var i = 0; i < 2000; i++)
            {
                store.Update(tx => tx.Put(new KvPair { Key = $"k{i}" }));
            }
        });

        await Task.Delay(2);
        var (seen, events) = store.ViewAndWatch(tx => tx.List<KvPair>().Select(k => k.Key).ToHashSet(), cts.Token);
        await writer;
        await foreach (var e in seen.Count == 2000 ? AsyncEnumerable.Empty<StoreEvent>() : events)
        {
            if (e is ObjectChange<KvPair> c)
            {
                Assert.True(seen.Add(c.New!.Key), $"{c.New.Key} was both in the view and in the events");
            }

            if (seen.Count == 2000)
            {
                break;
            }
        }

        Assert.Equal(2000, seen.Count);
    }

    [Fact]
    public async Task A_restore_tells_watchers_to_read_again()
    {
        var store = new MemoryStore();
        using var cts = new CancellationTokenSource(Timeout);
        await using var events = store.WatchAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        store.Restore(new StoreSnapshot { Version = 7, Kv = { new KvPair { Key = "k", Version = 7 } } });
        Assert.True(await events.MoveNextAsync());
        Assert.Equal(new StoreRestored(7), events.Current);
    }

    [Fact]
    public async Task Ending_a_watch_unregisters_the_watcher()
    {
        var store = new MemoryStore();
        using (var cts = new CancellationTokenSource(Timeout))
        {
            await using var events = store.WatchAsync(cts.Token).GetAsyncEnumerator(cts.Token);
            store.Update(tx => tx.Put(new KvPair { Key = "k" }));
            Assert.True(await events.MoveNextAsync());
            Assert.Equal(1, store.WatcherCount);
        }

        Assert.Equal(0, store.WatcherCount);
    }

    [Fact]
    public async Task A_watcher_that_falls_too_far_behind_is_cut_off_with_a_clear_error()
    {
        var store = new MemoryStore();
        using var cts = new CancellationTokenSource(Timeout);
        var events = store.WatchAsync(cts.Token);

        // Each write publishes two events (change + commit marker).
        for (var i = 0; i <= MemoryStore.WatchBuffer / 2; i++)
        {
            store.Update(tx => tx.Put(new KvPair { Key = "k", Value = ByteString.CopyFromUtf8("v") }));
        }

        var e = await Assert.ThrowsAsync<WatchOverflowException>(async () =>
        {
            await foreach (var _ in events)
            {
            }
        });
        Assert.Contains("re-read with ViewAndWatch", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, store.WatcherCount);
    }
}
