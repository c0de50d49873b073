using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Kv;
using static ClusterKit.Manager.Tests.Store.Kv.KvOps;

namespace ClusterKit.Manager.Tests.Store.Kv;

public sealed class KvWatchHubTests
{
    private static List<KvWatchResponse> Drain(KvWatcher watcher)
    {
        var responses = new List<KvWatchResponse>();
        while (watcher.TryRead() is { } response)
        {
            responses.Add(response);
        }

        return responses;
    }

    [Fact]
    public void A_live_watcher_gets_each_revision_whole_with_previous_values_when_asked()
    {
        var store = new MemoryStore();
        store.Put("app/a", "0");
        using var watcher = store.KvWatches.Watch(new KvWatchRequest(B("app/"), B("app0"), PrevKv: true));
        using var other = store.KvWatches.Watch(new KvWatchRequest(B("elsewhere"), B("")));
        store.Txn(new() { Success = { PutOp("app/a", "1"), PutOp("app/b", "1"), PutOp("zzz", "1") } });
        store.Delete("app/", "app0");

        var responses = Drain(watcher);
        Assert.Equal([3L, 4L], responses.Select(r => r.Revision));
        Assert.Equal(["app/a", "app/b"], responses[0].Events.Select(e => e.Key.ToStringUtf8()));
        Assert.Equal("0", responses[0].Events[0].PreviousKeyValue()!.Value.ToStringUtf8());
        Assert.Null(responses[0].Events[1].Previous);
        Assert.All(responses[1].Events, e => Assert.Equal(KvEventType.Delete, e.Type));
        Assert.Empty(Drain(other));
    }

    [Fact]
    public void A_watcher_from_an_old_revision_catches_up_from_history_then_goes_live_without_gaps_or_repeats()
    {
        var store = new MemoryStore();
        for (var i = 0; i < 10; i++)
        {
            store.Put($"k{i % 3}", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        using var watcher = store.KvWatches.Watch(new KvWatchRequest(B("k"), B("l"), StartRevision: 4));
        store.Put("k1", "live");
        var revisions = Drain(watcher).SelectMany(r => r.Events).Select(e => e.Revision).ToList();
        Assert.Equal([.. Enumerable.Range(4, 9).Select(r => (long)r)], revisions);
        Assert.All(Drain(watcher), _ => Assert.Fail("nothing more"));
        store.Put("k2", "again");
        Assert.Equal(13, Assert.Single(Drain(watcher)).Events.Single().Revision);
    }

    [Fact]
    public void A_watcher_that_falls_behind_reads_from_history_and_a_compacted_one_is_cancelled_with_the_compact_revision()
    {
        var store = new MemoryStore();
        var hub = store.KvWatches;
        using var slow = hub.Watch(new KvWatchRequest(B("k"), B("")));
        for (var i = 0; i < hub.MaxQueued + 10; i++)
        {
            store.Put("k", "v");
        }

        // Nothing was dropped although the queue filled: the rest came from history.
        var seen = Drain(slow).SelectMany(r => r.Events).Select(e => e.Revision).ToList();
        Assert.Equal([.. Enumerable.Range(2, hub.MaxQueued + 10).Select(r => (long)r)], seen);

        using var late = hub.Watch(new KvWatchRequest(B("k"), B(""), StartRevision: 2));
        store.Compact(store.State.Kv.Revision - 1);
        hub.Reset(store.State.Kv);
        var cancel = Assert.Single(Drain(late));
        Assert.True(cancel.Canceled);
        Assert.Equal("mvcc: required revision has been compacted", cancel.CancelReason);
        Assert.Equal(store.State.Kv.CompactRevision, cancel.CompactRevision);
        Assert.Null(late.TryRead());
    }

    [Fact]
    public void Progress_is_reported_to_level_watchers_and_filters_drop_event_kinds()
    {
        var store = new MemoryStore();
        using var noDeletes = store.KvWatches.Watch(new KvWatchRequest(B("k"), B(""), NoDelete: true, ProgressNotify: true));
        store.Put("k", "1");
        store.Delete("k");
        var responses = Drain(noDeletes);
        Assert.Equal(KvEventType.Put, Assert.Single(Assert.Single(responses).Events).Type);

        store.KvWatches.NotifyProgress();
        var progress = Assert.Single(Drain(noDeletes));
        Assert.True(progress.IsProgress);
        Assert.Equal(3, progress.Revision);
    }

    [Fact]
    public async Task ReadAsync_wakes_on_a_commit_and_ends_on_dispose()
    {
        var store = new MemoryStore();
        var watcher = store.KvWatches.Watch(new KvWatchRequest(B("k"), B("")));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var read = watcher.ReadAsync(cts.Token).AsTask();
        Assert.False(read.IsCompleted);
        store.Put("k", "1");
        Assert.Equal(2, (await read)!.Revision);

        var next = watcher.ReadAsync(cts.Token).AsTask();
        watcher.Dispose();
        Assert.Null(await next);
        Assert.Equal(0, store.KvWatches.Count);
    }

    [Fact]
    public void A_restored_snapshot_lets_watchers_continue_from_their_own_revision()
    {
        var leader = new MemoryStore();
        var follower = new MemoryStore();
        leader.Put("k", "1");
        follower.Restore(leader.CreateSnapshot());
        using var watcher = follower.KvWatches.Watch(new KvWatchRequest(B("k"), B("")));
        leader.Put("k", "2");
        leader.Put("k", "3");
        follower.Restore(leader.CreateSnapshot());
        Assert.Equal([3L, 4L], Drain(watcher).SelectMany(r => r.Events).Select(e => e.Revision));
    }
}
