using ClusterKit.Proto.Etcd.Rpc;
using static ClusterKit.Manager.Tests.Kv.Etcd.Conformance;

namespace ClusterKit.Manager.Tests.Kv.Etcd;

/// <summary>KV requests against a real etcd 3.4 and against ours: every response field equal but the server's ids.</summary>
public sealed class KvConformanceTests
{
    [Fact]
    public Task Puts_and_ranges_by_key_prefix_limit_count_keys_only_revision_and_sort() => AssertSameAsync(async (etcd, t) =>
    {
        var kv = etcd.Kv;
        await t.CallAsync("put a", kv.PutAsync(new PutRequest { Key = Bytes("/p/a"), Value = Bytes("1") }, deadline: EtcdClients.Deadline));
        await t.CallAsync("put b", kv.PutAsync(new PutRequest { Key = Bytes("/p/b"), Value = Bytes("2") }, deadline: EtcdClients.Deadline));
        await t.CallAsync("put c", kv.PutAsync(new PutRequest { Key = Bytes("/p/c"), Value = Bytes("3") }, deadline: EtcdClients.Deadline));
        await t.CallAsync("put outside", kv.PutAsync(new PutRequest { Key = Bytes("/q"), Value = Bytes("x") }, deadline: EtcdClients.Deadline));
        await t.CallAsync("put a again with prev_kv", kv.PutAsync(new PutRequest { Key = Bytes("/p/a"), Value = Bytes("4"), PrevKv = true }, deadline: EtcdClients.Deadline));
        await t.CallAsync("get a", kv.RangeAsync(new RangeRequest { Key = Bytes("/p/a") }, deadline: EtcdClients.Deadline));
        await t.CallAsync("get a serializable", kv.RangeAsync(new RangeRequest { Key = Bytes("/p/a"), Serializable = true }, deadline: EtcdClients.Deadline));
        await t.CallAsync("get missing", kv.RangeAsync(new RangeRequest { Key = Bytes("/p/none") }, deadline: EtcdClients.Deadline));
        await t.CallAsync("get prefix", kv.RangeAsync(new RangeRequest { Key = Bytes("/p/"), RangeEnd = PrefixEnd("/p/") }, deadline: EtcdClients.Deadline));
        await t.CallAsync("get prefix limit 2", kv.RangeAsync(new RangeRequest { Key = Bytes("/p/"), RangeEnd = PrefixEnd("/p/"), Limit = 2 }, deadline: EtcdClients.Deadline));
        await t.CallAsync("get prefix count only", kv.RangeAsync(new RangeRequest { Key = Bytes("/p/"), RangeEnd = PrefixEnd("/p/"), CountOnly = true }, deadline: EtcdClients.Deadline));
        await t.CallAsync("get prefix keys only", kv.RangeAsync(new RangeRequest { Key = Bytes("/p/"), RangeEnd = PrefixEnd("/p/"), KeysOnly = true }, deadline: EtcdClients.Deadline));
        await t.CallAsync("get from key", kv.RangeAsync(new RangeRequest { Key = Bytes("/p/b"), RangeEnd = Bytes("\0") }, deadline: EtcdClients.Deadline));
        await t.CallAsync("get a at revision 2", kv.RangeAsync(new RangeRequest { Key = Bytes("/p/a"), Revision = 2 }, deadline: EtcdClients.Deadline));
        await t.CallAsync("get prefix at revision 3", kv.RangeAsync(new RangeRequest { Key = Bytes("/p/"), RangeEnd = PrefixEnd("/p/"), Revision = 3 }, deadline: EtcdClients.Deadline));
        await t.CallAsync("get prefix by mod descending", kv.RangeAsync(new RangeRequest
        {
            Key = Bytes("/p/"), RangeEnd = PrefixEnd("/p/"), SortOrder = RangeRequest.Types.SortOrder.Descend, SortTarget = RangeRequest.Types.SortTarget.Mod,
        }, deadline: EtcdClients.Deadline));
        await t.CallAsync("get by value, limit 1", kv.RangeAsync(new RangeRequest
        {
            Key = Bytes("/p/"), RangeEnd = PrefixEnd("/p/"), SortOrder = RangeRequest.Types.SortOrder.Ascend, SortTarget = RangeRequest.Types.SortTarget.Value, Limit = 1,
        }, deadline: EtcdClients.Deadline));
        await t.CallAsync("delete a with prev_kv", kv.DeleteRangeAsync(new DeleteRangeRequest { Key = Bytes("/p/a"), PrevKv = true }, deadline: EtcdClients.Deadline));
        await t.CallAsync("delete missing", kv.DeleteRangeAsync(new DeleteRangeRequest { Key = Bytes("/p/a") }, deadline: EtcdClients.Deadline));
        await t.CallAsync("delete prefix with prev_kv", kv.DeleteRangeAsync(new DeleteRangeRequest { Key = Bytes("/p/"), RangeEnd = PrefixEnd("/p/"), PrevKv = true }, deadline: EtcdClients.Deadline));
        await t.CallAsync("get all after", kv.RangeAsync(new RangeRequest { Key = Bytes("\0"), RangeEnd = Bytes("\0") }, deadline: EtcdClients.Deadline));
        await t.CallAsync("put a anew", kv.PutAsync(new PutRequest { Key = Bytes("/p/a"), Value = Bytes("5"), PrevKv = true }, deadline: EtcdClients.Deadline));
        await t.CallAsync("put ignore_value", kv.PutAsync(new PutRequest { Key = Bytes("/p/a"), IgnoreValue = true, PrevKv = true }, deadline: EtcdClients.Deadline));
        await t.CallAsync("get a at its deleted revision", kv.RangeAsync(new RangeRequest { Key = Bytes("/p/a"), Revision = 7 }, deadline: EtcdClients.Deadline));
    });

    [Fact]
    public Task Compaction_and_the_compacted_and_future_revision_errors() => AssertSameAsync(async (etcd, t) =>
    {
        var kv = etcd.Kv;
        for (var i = 0; i < 4; i++)
        {
            await t.CallAsync($"put {i}", kv.PutAsync(new PutRequest { Key = Bytes("/c"), Value = Bytes($"{i}") }, deadline: EtcdClients.Deadline));
        }

        await t.CallAsync("compact at 3", kv.CompactAsync(new CompactionRequest { Revision = 3, Physical = true }, deadline: EtcdClients.Deadline));
        await t.CallAsync("get at 2 (compacted)", kv.RangeAsync(new RangeRequest { Key = Bytes("/c"), Revision = 2 }, deadline: EtcdClients.Deadline));
        await t.CallAsync("get at 3", kv.RangeAsync(new RangeRequest { Key = Bytes("/c"), Revision = 3 }, deadline: EtcdClients.Deadline));
        await t.CallAsync("get at 9 (future)", kv.RangeAsync(new RangeRequest { Key = Bytes("/c"), Revision = 9 }, deadline: EtcdClients.Deadline));
        await t.CallAsync("compact at 3 again", kv.CompactAsync(new CompactionRequest { Revision = 3 }, deadline: EtcdClients.Deadline));
        await t.CallAsync("compact at 2", kv.CompactAsync(new CompactionRequest { Revision = 2 }, deadline: EtcdClients.Deadline));
        await t.CallAsync("compact at 9 (future)", kv.CompactAsync(new CompactionRequest { Revision = 9 }, deadline: EtcdClients.Deadline));
        await t.CallAsync("get prefix after", kv.RangeAsync(new RangeRequest { Key = Bytes("/c") }, deadline: EtcdClients.Deadline));
    });

    [Fact]
    public Task Bad_requests_get_etcds_codes_and_messages() => AssertSameAsync(async (etcd, t) =>
    {
        var kv = etcd.Kv;
        await t.CallAsync("put empty key", kv.PutAsync(new PutRequest { Value = Bytes("v") }, deadline: EtcdClients.Deadline));
        await t.CallAsync("range empty key", kv.RangeAsync(new RangeRequest(), deadline: EtcdClients.Deadline));
        await t.CallAsync("delete empty key", kv.DeleteRangeAsync(new DeleteRangeRequest(), deadline: EtcdClients.Deadline));
        await t.CallAsync("put value over 1.5 MiB", kv.PutAsync(new PutRequest { Key = Bytes("/big"), Value = Google.Protobuf.ByteString.CopyFrom(new byte[(1536 * 1024) + 1]) }, deadline: EtcdClients.Deadline));
        await t.CallAsync("put with unknown lease", kv.PutAsync(new PutRequest { Key = Bytes("/l"), Value = Bytes("v"), Lease = 12345 }, deadline: EtcdClients.Deadline));
        await t.CallAsync("ignore_value on a missing key", kv.PutAsync(new PutRequest { Key = Bytes("/none"), IgnoreValue = true }, deadline: EtcdClients.Deadline));
        await t.CallAsync("ignore_value with a value", kv.PutAsync(new PutRequest { Key = Bytes("/none"), Value = Bytes("v"), IgnoreValue = true }, deadline: EtcdClients.Deadline));
        var tooMany = new TxnRequest();
        for (var i = 0; i < 129; i++)
        {
            tooMany.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = Bytes($"/k{i}"), Value = Bytes("v") } });
        }

        await t.CallAsync("txn with 129 ops", kv.TxnAsync(tooMany, deadline: EtcdClients.Deadline));
        var twice = new TxnRequest();
        twice.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = Bytes("/d"), Value = Bytes("1") } });
        twice.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = Bytes("/d"), Value = Bytes("2") } });
        await t.CallAsync("txn putting a key twice", kv.TxnAsync(twice, deadline: EtcdClients.Deadline));
        await t.CallAsync("nothing was written", kv.RangeAsync(new RangeRequest { Key = Bytes("\0"), RangeEnd = Bytes("\0") }, deadline: EtcdClients.Deadline));
    });
}
