using ClusterKit.Manager.Store.Kv;
using ClusterKit.Proto.Etcd.Rpc;
using ClusterKit.Proto.Manager.V1;
using Grpc.Core;

namespace ClusterKit.Manager.Kv.Etcd;

/// <summary>etcd's KV service over the store's key-value section: reads from a state, writes through the backend.</summary>
internal sealed class EtcdKvService(IKvBackend backend) : KV.KVBase
{
    public override async Task<RangeResponse> Range(RangeRequest request, ServerCallContext context)
    {
        try
        {
            var state = await backend.ReadAsync(linearizable: !request.Serializable, context.CancellationToken);
            var result = KvReads.Range(state, EtcdRequests.Range(request));
            return EtcdResponses.Range(result, EtcdHeaders.At(backend, state.Revision));
        }
        catch (KvException e)
        {
            throw EtcdErrors.ToRpc(e);
        }
    }

    public override async Task<PutResponse> Put(PutRequest request, ServerCallContext context)
    {
        var result = await WriteAsync(new KvWrite { Put = EtcdRequests.Put(request) }, context);
        return EtcdResponses.Put(result.Put, EtcdHeaders.At(backend, result.Revision));
    }

    public override async Task<DeleteRangeResponse> DeleteRange(DeleteRangeRequest request, ServerCallContext context)
    {
        var result = await WriteAsync(new KvWrite { DeleteRange = EtcdRequests.DeleteRange(request) }, context);
        return EtcdResponses.DeleteRange(result.DeleteRange, EtcdHeaders.At(backend, result.Revision));
    }

    public override async Task<TxnResponse> Txn(TxnRequest request, ServerCallContext context)
    {
        var result = await WriteAsync(new KvWrite { Txn = EtcdRequests.Txn(request) }, context);
        return EtcdResponses.Txn(result.Txn, EtcdHeaders.At(backend, result.Revision));
    }

    // `physical` asks etcd to wait until the compaction reached its disk; ours is done when it is applied.
    public override async Task<CompactionResponse> Compact(CompactionRequest request, ServerCallContext context)
    {
        var result = await WriteAsync(new KvWrite { Compact = new KvCompact { Revision = request.Revision } }, context);
        return new CompactionResponse { Header = EtcdHeaders.At(backend, result.Revision) };
    }

    private Task<KvWriteResult> WriteAsync(KvWrite write, ServerCallContext context) => EtcdErrors.WriteAsync(backend, write, context.CancellationToken);
}
