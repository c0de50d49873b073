using ClusterKit.Proto.Etcd.Rpc;
using Grpc.Core;
using static ClusterKit.Manager.Tests.Kv.Etcd.Conformance;

namespace ClusterKit.Manager.Tests.Kv.Etcd;

/// <summary>The Watch stream against a real etcd 3.4 and ours: history with prev_kv, live events, progress, cancel, a compacted start.</summary>
public sealed class WatchConformanceTests
{
    [Fact]
    public Task A_prefix_watch_from_a_revision_with_prev_kv_then_live_events_progress_and_cancel() => AssertSameAsync(async (etcd, t) =>
    {
        var kv = etcd.Kv;
        await t.CallAsync("put a", kv.PutAsync(new PutRequest { Key = Bytes("/w/a"), Value = Bytes("1") }, deadline: EtcdClients.Deadline));
        await t.CallAsync("put a again", kv.PutAsync(new PutRequest { Key = Bytes("/w/a"), Value = Bytes("2") }, deadline: EtcdClients.Deadline));
        await t.CallAsync("put outside", kv.PutAsync(new PutRequest { Key = Bytes("/x"), Value = Bytes("x") }, deadline: EtcdClients.Deadline));
        await t.CallAsync("delete a", kv.DeleteRangeAsync(new DeleteRangeRequest { Key = Bytes("/w/a") }, deadline: EtcdClients.Deadline));

        using var stream = etcd.Watch.Watch(deadline: EtcdClients.Deadline);
        await stream.RequestStream.WriteAsync(new WatchRequest
        {
            CreateRequest = new WatchCreateRequest { Key = Bytes("/w/"), RangeEnd = PrefixEnd("/w/"), StartRevision = 2, PrevKv = true },
        });
        t.Record("created", await NextAsync(stream));
        t.Record("history", await NextAsync(stream));

        await stream.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = Bytes("/w/b"), Filters = { WatchCreateRequest.Types.FilterType.Nodelete } } });
        t.Record("second created", await NextAsync(stream));
        await kv.PutAsync(new PutRequest { Key = Bytes("/w/b"), Value = Bytes("3") }, deadline: EtcdClients.Deadline);
        var live = new[] { await NextAsync(stream), await NextAsync(stream) }.OrderBy(r => r.WatchId).ToList();
        t.Record("live to 0", live[0]);
        t.Record("live to 1", live[1]);
        await kv.DeleteRangeAsync(new DeleteRangeRequest { Key = Bytes("/w/b") }, deadline: EtcdClients.Deadline);
        t.Record("delete reaches the unfiltered watcher only", await NextAsync(stream));

        await stream.RequestStream.WriteAsync(new WatchRequest { ProgressRequest = new WatchProgressRequest() });
        t.Record("progress", await NextAsync(stream));
        await stream.RequestStream.WriteAsync(new WatchRequest { CancelRequest = new WatchCancelRequest { WatchId = 0 } });
        t.Record("canceled", await NextAsync(stream));
        await stream.RequestStream.WriteAsync(new WatchRequest { CancelRequest = new WatchCancelRequest { WatchId = 42 } });
        await kv.PutAsync(new PutRequest { Key = Bytes("/w/b"), Value = Bytes("4") }, deadline: EtcdClients.Deadline);
        t.Record("only the second watcher remains", await NextAsync(stream));
        await stream.RequestStream.CompleteAsync();
    });

    [Fact]
    public Task A_watch_from_a_compacted_revision_is_created_then_canceled_with_the_compact_revision() => AssertSameAsync(async (etcd, t) =>
    {
        var kv = etcd.Kv;
        for (var i = 0; i < 3; i++)
        {
            await kv.PutAsync(new PutRequest { Key = Bytes("/w"), Value = Bytes($"{i}") }, deadline: EtcdClients.Deadline);
        }

        await t.CallAsync("compact at 3", kv.CompactAsync(new CompactionRequest { Revision = 3, Physical = true }, deadline: EtcdClients.Deadline));
        using var stream = etcd.Watch.Watch(deadline: EtcdClients.Deadline);
        await stream.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = Bytes("/w"), StartRevision = 2, WatchId = 7 } });
        t.Record("created", await NextAsync(stream));
        t.Record("canceled", await NextAsync(stream));
        await stream.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = Bytes("/w"), StartRevision = 3 } });
        t.Record("created at the compact revision", await NextAsync(stream));
        t.Record("its history", await NextAsync(stream));
        await stream.RequestStream.CompleteAsync();
    });

    private static async Task<WatchResponse> NextAsync(AsyncDuplexStreamingCall<WatchRequest, WatchResponse> stream)
    {
        Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None), "the watch stream ended");
        return stream.ResponseStream.Current;
    }
}
