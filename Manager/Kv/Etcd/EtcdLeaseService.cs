using ClusterKit.Manager.Store.Kv;
using ClusterKit.Proto.Etcd.Rpc;
using ClusterKit.Proto.Manager.V1;
using Grpc.Core;

namespace ClusterKit.Manager.Kv.Etcd;

/// <summary>
/// etcd's Lease service: grants and revokes are writes; keep-alives and time-to-live are the backend's lease clock
/// (ADR 0017). A grant without an id gets a free one from a seeded generator.
/// </summary>
internal sealed class EtcdLeaseService(IKvBackend backend, EtcdLeaseIds ids) : Lease.LeaseBase
{
    // Another grant may take the id chosen between our read and our write; a few fresh tries settle it.
    private const int GrantAttempts = 5;

    public override async Task<LeaseGrantResponse> LeaseGrant(LeaseGrantRequest request, ServerCallContext context)
    {
        var token = context.CancellationToken;
        for (var attempt = 1; ; attempt++)
        {
            var id = request.ID != 0 ? request.ID : ids.Choose(await backend.ReadAsync(linearizable: false, token));
            try
            {
                var result = await backend.WriteAsync(new KvWrite { LeaseGrant = new KvLeaseGrant { Id = id, TtlSeconds = request.TTL } }, token);
                return new LeaseGrantResponse { Header = EtcdHeaders.At(backend, result.Revision), ID = result.LeaseGrant.Id, TTL = result.LeaseGrant.TtlSeconds };
            }
            catch (KvException e) when (e.Code == KvErrorCode.LeaseExists && request.ID == 0 && attempt < GrantAttempts)
            {
                // Chosen by us and taken meanwhile: choose again.
            }
            catch (KvException e)
            {
                throw EtcdErrors.ToRpc(e);
            }
        }
    }

    public override async Task<LeaseRevokeResponse> LeaseRevoke(LeaseRevokeRequest request, ServerCallContext context)
    {
        var result = await EtcdErrors.WriteAsync(backend, new KvWrite { LeaseRevoke = new KvLeaseRevoke { Id = request.ID } }, context.CancellationToken);
        return new LeaseRevokeResponse { Header = EtcdHeaders.At(backend, result.Revision) };
    }

    // One answer per request, in order; an unknown lease gets TTL 0, as etcd's.
    public override async Task LeaseKeepAlive(IAsyncStreamReader<LeaseKeepAliveRequest> requestStream, IServerStreamWriter<LeaseKeepAliveResponse> responseStream, ServerCallContext context)
    {
        var token = context.CancellationToken;
        await foreach (var request in requestStream.ReadAllAsync(token))
        {
            var ttl = await backend.KeepAliveAsync(request.ID, token);
            var header = await EtcdHeaders.CurrentAsync(backend, token);
            await responseStream.WriteAsync(new LeaseKeepAliveResponse { Header = header, ID = request.ID, TTL = ttl ?? 0 }, token);
        }
    }

    public override async Task<LeaseTimeToLiveResponse> LeaseTimeToLive(LeaseTimeToLiveRequest request, ServerCallContext context)
    {
        var status = await backend.TimeToLiveAsync(request.ID, request.Keys, context.CancellationToken);
        var response = new LeaseTimeToLiveResponse
        {
            Header = await EtcdHeaders.CurrentAsync(backend, context.CancellationToken),
            ID = status.Id,
            TTL = status.RemainingSeconds,
            GrantedTTL = status.GrantedSeconds,
        };
        response.Keys.AddRange(status.Keys);
        return response;
    }

    public override async Task<LeaseLeasesResponse> LeaseLeases(LeaseLeasesRequest request, ServerCallContext context)
    {
        var state = await backend.ReadAsync(linearizable: true, context.CancellationToken);
        var response = new LeaseLeasesResponse { Header = EtcdHeaders.At(backend, state.Revision) };
        response.Leases.AddRange(state.Leases.Select(l => new LeaseStatus { ID = l.Id }));
        return response;
    }
}

/// <summary>Lease ids for grants that leave the choice to the server: free ones from one seeded generator.</summary>
public sealed class EtcdLeaseIds(Random random)
{
    private readonly Lock _gate = new();

    public long Choose(KvState state)
    {
        lock (_gate)
        {
            return KvLeaseClock.ChooseId(state, random);
        }
    }
}
