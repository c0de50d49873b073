using ClusterKit.Manager.Store.Kv;
using ClusterKit.Proto.Etcd.Mvcc;
using ClusterKit.Proto.Etcd.Rpc;
using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;

namespace ClusterKit.Manager.Kv.Etcd;

/// <summary>The store's key-value results as etcd's responses, field by field (headers are the caller's).</summary>
internal static class EtcdResponses
{
    public static KeyValue KeyValue(KvKeyValue kv) => new()
    {
        Key = kv.Key,
        CreateRevision = kv.CreateRevision,
        ModRevision = kv.ModRevision,
        Version = kv.Version,
        Value = kv.Value,
        Lease = kv.Lease,
    };

    public static RangeResponse Range(KvRangeResult result, ResponseHeader header)
    {
        var response = new RangeResponse { Header = header, More = result.More, Count = result.Count };
        response.Kvs.AddRange(result.Kvs.Select(KeyValue));
        return response;
    }

    public static PutResponse Put(KvPutResult result, ResponseHeader header)
        => new() { Header = header, PrevKv = result.PrevKv is null ? null : KeyValue(result.PrevKv) };

    public static DeleteRangeResponse DeleteRange(KvDeleteRangeResult result, ResponseHeader header)
    {
        var response = new DeleteRangeResponse { Header = header, Deleted = result.Deleted };
        response.PrevKvs.AddRange(result.PrevKvs.Select(KeyValue));
        return response;
    }

    /// <summary>
    /// A txn's response. As etcd's, each op's response inside carries a header with its revision only: a range the
    /// revision it read (the txn's own once an earlier op changed a key), a write the txn's revision; a nested txn an
    /// empty header.
    /// </summary>
    public static TxnResponse Txn(KvTxnResult result, ResponseHeader header)
    {
        var changed = Changes(result);
        var before = changed ? header.Revision - 1 : header.Revision;
        var seen = false;
        var response = Txn(result, header, before, header.Revision, ref seen);
        return response;
    }

    // Per event and watcher: the records straight to etcd's KeyValue, not through the store's KvKeyValue first.
    public static Event Event(KvEvent e) => new()
    {
        Type = e.Type == KvEventType.Put ? Proto.Etcd.Mvcc.Event.Types.EventType.Put : Proto.Etcd.Mvcc.Event.Types.EventType.Delete,
        Kv = KeyValue(e.Key, e.Record),
        PrevKv = e.Previous is { } previous ? KeyValue(e.Key, previous) : null,
    };

    private static TxnResponse Txn(KvTxnResult result, ResponseHeader header, long before, long after, ref bool changed)
    {
        var response = new TxnResponse { Header = header, Succeeded = result.Succeeded };
        foreach (var op in result.Responses)
        {
            switch (op.ResponseCase)
            {
                case KvResponseOp.ResponseOneofCase.Range:
                    response.Responses.Add(new ResponseOp { ResponseRange = Range(op.Range, Revision(changed ? after : before)) });
                    break;
                case KvResponseOp.ResponseOneofCase.Put:
                    changed = true;
                    response.Responses.Add(new ResponseOp { ResponsePut = Put(op.Put, Revision(after)) });
                    break;
                case KvResponseOp.ResponseOneofCase.DeleteRange:
                    changed |= op.DeleteRange.Deleted > 0;
                    response.Responses.Add(new ResponseOp { ResponseDeleteRange = DeleteRange(op.DeleteRange, Revision(changed ? after : before)) });
                    break;
                case KvResponseOp.ResponseOneofCase.Txn:
                    response.Responses.Add(new ResponseOp { ResponseTxn = Txn(op.Txn, new ResponseHeader(), before, after, ref changed) });
                    break;
                default:
                    throw new InvalidOperationException($"a txn result holds an op response of kind {op.ResponseCase}");
            }
        }

        return response;
    }

    private static KeyValue KeyValue(ByteString key, KeyRecord record) => new()
    {
        Key = key,
        CreateRevision = record.CreateRevision,
        ModRevision = record.ModRevision,
        Version = record.Version,
        Value = record.Value,
        Lease = record.Lease,
    };

    private static ResponseHeader Revision(long revision) => new() { Revision = revision };

    private static bool Changes(KvTxnResult result) => result.Responses.Any(op => op.ResponseCase switch
    {
        KvResponseOp.ResponseOneofCase.Put => true,
        KvResponseOp.ResponseOneofCase.DeleteRange => op.DeleteRange.Deleted > 0,
        KvResponseOp.ResponseOneofCase.Txn => Changes(op.Txn),
        _ => false,
    });
}
