using ClusterKit.Manager.Store;
using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;

namespace ClusterKit.Manager.Tests.Store.Kv;

/// <summary>Short ways to write KV requests in tests.</summary>
internal static class KvOps
{
    public static ByteString B(string text) => ByteString.CopyFromUtf8(text);

    public static KvWriteResult Put(this MemoryStore store, string key, string value, long lease = 0, bool prevKv = false)
        => store.WriteKv(new KvWrite { Put = new KvPut { Key = B(key), Value = B(value), Lease = lease, PrevKv = prevKv } });

    public static KvWriteResult Delete(this MemoryStore store, string key, string end = "", bool prevKv = false)
        => store.WriteKv(new KvWrite { DeleteRange = new KvDeleteRange { Key = B(key), RangeEnd = B(end), PrevKv = prevKv } });

    public static KvWriteResult Txn(this MemoryStore store, KvTxn txn) => store.WriteKv(new KvWrite { Txn = txn });

    public static KvWriteResult Compact(this MemoryStore store, long revision)
        => store.WriteKv(new KvWrite { Compact = new KvCompact { Revision = revision } });

    public static long Grant(this MemoryStore store, long id, long ttl)
        => store.WriteKv(new KvWrite { LeaseGrant = new KvLeaseGrant { Id = id, TtlSeconds = ttl } }).LeaseGrant.TtlSeconds;

    public static KvWriteResult Revoke(this MemoryStore store, long id)
        => store.WriteKv(new KvWrite { LeaseRevoke = new KvLeaseRevoke { Id = id } });

    public static KvRangeResult Get(this MemoryStore store, string key, string end = "", long revision = 0)
        => ClusterKit.Manager.Store.Kv.KvReads.Range(store.State.Kv, new KvRange { Key = B(key), RangeEnd = B(end), Revision = revision });

    public static KvKeyValue? One(this MemoryStore store, string key, long revision = 0)
        => store.Get(key, revision: revision).Kvs.SingleOrDefault();

    public static KvRequestOp PutOp(string key, string value) => new() { Put = new KvPut { Key = B(key), Value = B(value) } };

    public static KvRequestOp DeleteOp(string key, string end = "") => new() { DeleteRange = new KvDeleteRange { Key = B(key), RangeEnd = B(end) } };

    public static KvRequestOp RangeOp(string key, string end = "") => new() { Range = new KvRange { Key = B(key), RangeEnd = B(end) } };
}
