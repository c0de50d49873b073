using ClusterKit.Proto.Etcd.Rpc;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Kv.Etcd;

/// <summary>etcd's requests as the store's key-value requests (ADR 0017), field by field.</summary>
internal static class EtcdRequests
{
    public static KvRange Range(RangeRequest r) => new()
    {
        Key = r.Key,
        RangeEnd = r.RangeEnd,
        Limit = r.Limit,
        Revision = r.Revision,
        SortOrder = (KvSortOrder)(int)r.SortOrder,
        SortTarget = (KvSortTarget)(int)r.SortTarget,
        KeysOnly = r.KeysOnly,
        CountOnly = r.CountOnly,
        MinModRevision = r.MinModRevision,
        MaxModRevision = r.MaxModRevision,
        MinCreateRevision = r.MinCreateRevision,
        MaxCreateRevision = r.MaxCreateRevision,
    };

    public static KvPut Put(PutRequest r) => new()
    {
        Key = r.Key,
        Value = r.Value,
        Lease = r.Lease,
        PrevKv = r.PrevKv,
        IgnoreValue = r.IgnoreValue,
        IgnoreLease = r.IgnoreLease,
    };

    public static KvDeleteRange DeleteRange(DeleteRangeRequest r) => new() { Key = r.Key, RangeEnd = r.RangeEnd, PrevKv = r.PrevKv };

    public static KvTxn Txn(TxnRequest r)
    {
        var txn = new KvTxn();
        txn.Compare.AddRange(r.Compare.Select(Compare));
        txn.Success.AddRange(r.Success.Select(Op));
        txn.Failure.AddRange(r.Failure.Select(Op));
        return txn;
    }

    private static KvCompare Compare(Compare c)
    {
        var compare = new KvCompare
        {
            Result = (KvCompareResult)(int)c.Result,
            Target = (KvCompareTarget)(int)c.Target,
            Key = c.Key,
            RangeEnd = c.RangeEnd,
        };
        switch (c.TargetUnionCase)
        {
            case Proto.Etcd.Rpc.Compare.TargetUnionOneofCase.Version: compare.Version = c.Version; break;
            case Proto.Etcd.Rpc.Compare.TargetUnionOneofCase.CreateRevision: compare.CreateRevision = c.CreateRevision; break;
            case Proto.Etcd.Rpc.Compare.TargetUnionOneofCase.ModRevision: compare.ModRevision = c.ModRevision; break;
            case Proto.Etcd.Rpc.Compare.TargetUnionOneofCase.Value: compare.Value = c.Value; break;
            case Proto.Etcd.Rpc.Compare.TargetUnionOneofCase.Lease: compare.Lease = c.Lease; break;
            default: break;
        }

        return compare;
    }

    private static KvRequestOp Op(RequestOp op) => op.RequestCase switch
    {
        RequestOp.RequestOneofCase.RequestRange => new KvRequestOp { Range = Range(op.RequestRange) },
        RequestOp.RequestOneofCase.RequestPut => new KvRequestOp { Put = Put(op.RequestPut) },
        RequestOp.RequestOneofCase.RequestDeleteRange => new KvRequestOp { DeleteRange = DeleteRange(op.RequestDeleteRange) },
        RequestOp.RequestOneofCase.RequestTxn => new KvRequestOp { Txn = Txn(op.RequestTxn) },

        // An empty op: the core refuses it at apply with its own message.
        _ => new KvRequestOp(),
    };
}
