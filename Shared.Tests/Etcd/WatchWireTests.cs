using ClusterKit.Proto.Etcd.Mvcc;
using ClusterKit.Proto.Etcd.Rpc;
using Grpc.Core;
using static ClusterKit.Shared.Tests.Etcd.EtcdKeys;

namespace ClusterKit.Shared.Tests.Etcd;

/// <summary>The Watch stream through our generated client against a real etcd: history from a revision, prev_kv, progress, cancel.</summary>
public sealed class WatchWireTests(EtcdFixture etcd) : IClassFixture<EtcdFixture>
{
    [Fact]
    public async Task A_prefix_watch_from_a_past_revision_replays_puts_and_deletes_with_prev_kv_as_etcdctl_reads_them()
    {
        var prefix = EtcdFixture.Prefix();
        var first = await etcd.Kv.PutAsync(new PutRequest { Key = Key(prefix + "a"), Value = Key("1") }, deadline: EtcdFixture.Deadline);
        await etcd.Kv.PutAsync(new PutRequest { Key = Key(prefix + "a"), Value = Key("2") }, deadline: EtcdFixture.Deadline);
        await etcd.Kv.PutAsync(new PutRequest { Key = Key(prefix + "b"), Value = Key("3") }, deadline: EtcdFixture.Deadline);
        var delete = await etcd.Kv.DeleteRangeAsync(new DeleteRangeRequest { Key = Key(prefix + "a") }, deadline: EtcdFixture.Deadline);
        await etcd.Kv.PutAsync(new PutRequest { Key = Key("/outside" + prefix), Value = Key("x") }, deadline: EtcdFixture.Deadline);

        using var stream = etcd.Watch.Watch(deadline: EtcdFixture.Deadline);
        await stream.RequestStream.WriteAsync(new WatchRequest
        {
            CreateRequest = new WatchCreateRequest { Key = Key(prefix), RangeEnd = PrefixEnd(prefix), StartRevision = first.Header.Revision, PrevKv = true, WatchId = 7 },
        });
        var created = await NextAsync(stream);
        var events = new List<Event>();
        while (events.Count < 4)
        {
            events.AddRange((await NextAsync(stream)).Events);
        }

        Assert.True(created.Created);
        Assert.Equal(7, created.WatchId);
        Assert.Equal(delete.Header.Revision + 1, created.Header.Revision);
        Assert.Equal([Event.Types.EventType.Put, Event.Types.EventType.Put, Event.Types.EventType.Put, Event.Types.EventType.Delete], events.Select(e => e.Type));
        foreach (var e in events.Where(e => e.Type == Event.Types.EventType.Put))
        {
            EtcdctlJson.AssertSame(e.Kv, (await etcd.EtcdctlJsonAsync("get", e.Kv.Key.ToStringUtf8(), $"--rev={e.Kv.ModRevision}")).GetProperty("kvs")[0]);
        }

        Assert.Null(events[0].PrevKv);
        EtcdctlJson.AssertSame(events[1].PrevKv, (await etcd.EtcdctlJsonAsync("get", prefix + "a", $"--rev={first.Header.Revision}")).GetProperty("kvs")[0]);
        var deleted = events[3];
        Assert.Equal((prefix + "a", delete.Header.Revision, 0L, 0L), (deleted.Kv.Key.ToStringUtf8(), deleted.Kv.ModRevision, deleted.Kv.CreateRevision, deleted.Kv.Version));
        EtcdctlJson.AssertSame(deleted.PrevKv, (await etcd.EtcdctlJsonAsync("get", prefix + "a", $"--rev={delete.Header.Revision - 1}")).GetProperty("kvs")[0]);
        await stream.RequestStream.CompleteAsync();
    }

    [Fact]
    public async Task A_progress_request_answers_with_the_current_revision_and_no_events()
    {
        var prefix = EtcdFixture.Prefix();
        using var stream = etcd.Watch.Watch(deadline: EtcdFixture.Deadline);
        await stream.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = Key(prefix), RangeEnd = PrefixEnd(prefix) } });
        var created = await NextAsync(stream);
        var put = await etcd.Kv.PutAsync(new PutRequest { Key = Key("/elsewhere" + prefix), Value = Key("x") }, deadline: EtcdFixture.Deadline);

        await stream.RequestStream.WriteAsync(new WatchRequest { ProgressRequest = new WatchProgressRequest() });
        var progress = await NextAsync(stream);

        Assert.True(created.Created);
        Assert.Empty(progress.Events);
        Assert.False(progress.Created || progress.Canceled);
        Assert.Equal(put.Header.Revision, progress.Header.Revision);
        // etcd 3.4 answers a stream-wide progress request with watch_id -1 (no single watcher); recorded for our server.
        Assert.Equal(-1, progress.WatchId);
        await stream.RequestStream.CompleteAsync();
    }

    [Fact]
    public async Task A_cancelled_watcher_is_confirmed_and_gets_no_more_events()
    {
        var prefix = EtcdFixture.Prefix();
        using var stream = etcd.Watch.Watch(deadline: EtcdFixture.Deadline);
        await stream.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = Key(prefix + "cancelled") } });
        var first = await NextAsync(stream);
        await stream.RequestStream.WriteAsync(new WatchRequest { CancelRequest = new WatchCancelRequest { WatchId = first.WatchId } });
        var cancelled = await NextAsync(stream);
        await stream.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = Key(prefix + "kept") } });
        var second = await NextAsync(stream);

        await etcd.Kv.PutAsync(new PutRequest { Key = Key(prefix + "cancelled"), Value = Key("x") }, deadline: EtcdFixture.Deadline);
        var kept = await etcd.Kv.PutAsync(new PutRequest { Key = Key(prefix + "kept"), Value = Key("y") }, deadline: EtcdFixture.Deadline);
        var next = await NextAsync(stream);

        Assert.True(cancelled.Canceled);
        Assert.Equal(first.WatchId, cancelled.WatchId);
        Assert.True(second.Created);
        Assert.NotEqual(first.WatchId, second.WatchId);
        Assert.Equal(second.WatchId, next.WatchId);
        Assert.Equal(kept.Header.Revision, Assert.Single(next.Events).Kv.ModRevision);
        await stream.RequestStream.CompleteAsync();
    }

    private static async Task<WatchResponse> NextAsync(AsyncDuplexStreamingCall<WatchRequest, WatchResponse> stream)
    {
        Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None), "etcd closed the watch stream");
        return stream.ResponseStream.Current;
    }
}
