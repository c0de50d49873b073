using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Store.Kv;

/// <summary>
/// The key-value backend of one unreplicated <see cref="MemoryStore"/> (tests, single-process tools): writes apply at
/// once, both read kinds see the applied state (there is nothing to be behind of), and the one member leads a single
/// term, its log index being the store's version.
/// </summary>
public sealed class MemoryKvBackend : IKvBackend
{
    private readonly MemoryStore _store;
    private readonly KvLeaseClock _leases;
    private readonly ulong _clusterId;
    private readonly KvMember _self;

    public MemoryKvBackend(MemoryStore store, KvLeaseClock leases, ulong clusterId, KvMember self)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(leases);
        ArgumentNullException.ThrowIfNull(self);
        _store = store;
        _leases = leases;
        _clusterId = clusterId;
        _self = self;
        _leases.Promote(store.State.Kv);
    }

    public KvWatchHub Watches => _store.KvWatches;

    public Task<KvWriteResult> WriteAsync(KvWrite write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        cancellationToken.ThrowIfCancellationRequested();
        var result = _store.WriteKv(write);
        if (write.RequestCase is KvWrite.RequestOneofCase.LeaseGrant or KvWrite.RequestOneofCase.LeaseRevoke)
        {
            _leases.Observe(_store.State.Kv);
        }

        return Task.FromResult(result);
    }

    public Task<KvState> ReadAsync(bool linearizable, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_store.State.Kv);
    }

    public Task<long?> KeepAliveAsync(long id, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_leases.KeepAlive(_store.State.Kv, id));
    }

    public Task<KvLeaseStatus> TimeToLiveAsync(long id, bool withKeys, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_leases.TimeToLive(_store.State.Kv, id, withKeys));
    }

    public KvMemberStatus Status()
    {
        var applied = _store.Version;
        return new KvMemberStatus(_clusterId, _self.Id, RaftTerm: 1, Leader: _self.Id, RaftIndex: applied, RaftAppliedIndex: applied, [_self]);
    }
}
