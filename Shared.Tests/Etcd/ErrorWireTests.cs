using ClusterKit.Proto.Etcd.Rpc;
using Grpc.Core;
using static ClusterKit.Shared.Tests.Etcd.EtcdKeys;

namespace ClusterKit.Shared.Tests.Etcd;

/// <summary>
/// The exact gRPC status (code and message) a real etcd 3.4 returns for each bad request ClusterKit's etcd API must
/// reject the same way; the table in docs/adr/0018-etcd-wire-protocol.md is this class in prose.
/// </summary>
public sealed class ErrorWireTests(EtcdFixture etcd) : IClassFixture<EtcdFixture>
{
    // etcd's --max-request-bytes default (1.5 MiB) and what its gRPC server accepts on top of it (512 KiB).
    private const int MaxRequestBytes = 1536 * 1024;
    private const int GrpcMaxReceiveBytes = MaxRequestBytes + (512 * 1024);

    [Fact]
    public async Task A_range_or_compaction_at_a_compacted_revision_is_out_of_range_and_a_watch_from_it_is_cancelled()
    {
        var key = Key(EtcdFixture.Prefix());
        var first = await etcd.Kv.PutAsync(new PutRequest { Key = key, Value = Key("1") }, deadline: EtcdFixture.Deadline);
        var second = await etcd.Kv.PutAsync(new PutRequest { Key = key, Value = Key("2") }, deadline: EtcdFixture.Deadline);
        await etcd.Kv.CompactAsync(new CompactionRequest { Revision = second.Header.Revision, Physical = true }, deadline: EtcdFixture.Deadline);

        await AssertRejectedAsync(etcd.Kv.RangeAsync(new RangeRequest { Key = key, Revision = first.Header.Revision }, deadline: EtcdFixture.Deadline), StatusCode.OutOfRange, "etcdserver: mvcc: required revision has been compacted");
        await AssertRejectedAsync(etcd.Kv.CompactAsync(new CompactionRequest { Revision = first.Header.Revision }, deadline: EtcdFixture.Deadline), StatusCode.OutOfRange, "etcdserver: mvcc: required revision has been compacted");
        using var watch = etcd.Watch.Watch(deadline: EtcdFixture.Deadline);
        await watch.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = key, StartRevision = first.Header.Revision } });
        var responses = new List<WatchResponse>();
        while (responses.Count == 0 || !responses[^1].Canceled)
        {
            Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None), "etcd closed the watch stream");
            responses.Add(watch.ResponseStream.Current);
        }

        // etcd 3.4: first "created", then "canceled" with the compaction's revision and no reason (etcdctl words it itself).
        Assert.Equal(2, responses.Count);
        Assert.Equal((true, false), (responses[0].Created, responses[0].Canceled));
        var cancelled = responses[^1];
        Assert.Equal((second.Header.Revision, string.Empty, responses[0].WatchId), (cancelled.CompactRevision, cancelled.CancelReason, cancelled.WatchId));
        Assert.Empty(cancelled.Events);
        await watch.RequestStream.CompleteAsync();
    }

    [Fact]
    public async Task A_range_or_compaction_at_a_future_revision_is_out_of_range()
    {
        var now = await etcd.Kv.PutAsync(new PutRequest { Key = Key(EtcdFixture.Prefix()), Value = Key("v") }, deadline: EtcdFixture.Deadline);

        await AssertRejectedAsync(etcd.Kv.RangeAsync(new RangeRequest { Key = Key(EtcdFixture.Prefix()), Revision = now.Header.Revision + 100 }, deadline: EtcdFixture.Deadline), StatusCode.OutOfRange, "etcdserver: mvcc: required revision is a future revision");
        await AssertRejectedAsync(etcd.Kv.CompactAsync(new CompactionRequest { Revision = now.Header.Revision + 100 }, deadline: EtcdFixture.Deadline), StatusCode.OutOfRange, "etcdserver: mvcc: required revision is a future revision");
    }

    [Fact]
    public async Task A_put_with_or_a_revoke_of_an_unknown_lease_is_not_found()
    {
        await AssertRejectedAsync(etcd.Kv.PutAsync(new PutRequest { Key = Key(EtcdFixture.Prefix()), Value = Key("v"), Lease = 0x7eadbeef }, deadline: EtcdFixture.Deadline), StatusCode.NotFound, "etcdserver: requested lease not found");
        await AssertRejectedAsync(etcd.Lease.LeaseRevokeAsync(new LeaseRevokeRequest { ID = 0x7eadbeef }, deadline: EtcdFixture.Deadline), StatusCode.NotFound, "etcdserver: requested lease not found");
    }

    [Fact]
    public async Task A_txn_of_more_than_128_operations_is_an_invalid_argument_and_128_pass()
    {
        var prefix = EtcdFixture.Prefix();

        var full = await etcd.Kv.TxnAsync(Puts(prefix, 128), deadline: EtcdFixture.Deadline);

        Assert.True(full.Succeeded);
        await AssertRejectedAsync(etcd.Kv.TxnAsync(Puts(prefix, 129), deadline: EtcdFixture.Deadline), StatusCode.InvalidArgument, "etcdserver: too many operations in txn request");
    }

    [Fact]
    public async Task A_txn_that_puts_one_key_twice_is_an_invalid_argument()
    {
        var key = Key(EtcdFixture.Prefix());
        var txn = new TxnRequest
        {
            Success =
            {
                new RequestOp { RequestPut = new PutRequest { Key = key, Value = Key("1") } },
                new RequestOp { RequestPut = new PutRequest { Key = key, Value = Key("2") } },
            },
        };

        await AssertRejectedAsync(etcd.Kv.TxnAsync(txn, deadline: EtcdFixture.Deadline), StatusCode.InvalidArgument, "etcdserver: duplicate key given in txn request");
    }

    [Fact]
    public async Task A_key_or_value_over_the_request_limit_is_an_invalid_argument_and_one_over_the_grpc_limit_is_resource_exhausted()
    {
        var large = ByteString.CopyFrom(new byte[MaxRequestBytes]);
        var huge = ByteString.CopyFrom(new byte[GrpcMaxReceiveBytes]);

        var accepted = await etcd.Kv.PutAsync(new PutRequest { Key = Key(EtcdFixture.Prefix()), Value = ByteString.CopyFrom(new byte[MaxRequestBytes - 1024]) }, deadline: EtcdFixture.Deadline);

        Assert.NotEqual(0, accepted.Header.Revision);
        await AssertRejectedAsync(etcd.Kv.PutAsync(new PutRequest { Key = Key(EtcdFixture.Prefix()), Value = large }, deadline: EtcdFixture.Deadline), StatusCode.InvalidArgument, "etcdserver: request is too large");
        await AssertRejectedAsync(etcd.Kv.PutAsync(new PutRequest { Key = large, Value = Key("v") }, deadline: EtcdFixture.Deadline), StatusCode.InvalidArgument, "etcdserver: request is too large");
        var request = new PutRequest { Key = Key(EtcdFixture.Prefix()), Value = huge };
        await AssertRejectedAsync(etcd.Kv.PutAsync(request, deadline: EtcdFixture.Deadline), StatusCode.ResourceExhausted, $"grpc: received message larger than max ({request.CalculateSize()} vs. {GrpcMaxReceiveBytes})");
    }

    [Fact]
    public async Task An_empty_key_is_an_invalid_argument()
    {
        await AssertRejectedAsync(etcd.Kv.PutAsync(new PutRequest { Key = ByteString.Empty, Value = Key("v") }, deadline: EtcdFixture.Deadline), StatusCode.InvalidArgument, "etcdserver: key is not provided");
        await AssertRejectedAsync(etcd.Kv.RangeAsync(new RangeRequest { Key = ByteString.Empty }, deadline: EtcdFixture.Deadline), StatusCode.InvalidArgument, "etcdserver: key is not provided");
        await AssertRejectedAsync(etcd.Kv.DeleteRangeAsync(new DeleteRangeRequest { Key = ByteString.Empty }, deadline: EtcdFixture.Deadline), StatusCode.InvalidArgument, "etcdserver: key is not provided");
    }

    private static TxnRequest Puts(string prefix, int count)
    {
        var txn = new TxnRequest();
        txn.Success.AddRange(Enumerable.Range(0, count).Select(i => new RequestOp { RequestPut = new PutRequest { Key = Key($"{prefix}{i}"), Value = Key("v") } }));
        return txn;
    }

    private static async Task AssertRejectedAsync<T>(AsyncUnaryCall<T> call, StatusCode code, string message)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal((code, message), (error.StatusCode, error.Status.Detail));
    }
}
