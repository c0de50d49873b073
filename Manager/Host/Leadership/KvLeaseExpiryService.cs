using ClusterKit.Manager.Host.Membership;
using ClusterKit.Manager.Store.Kv;
using ClusterKit.Manager.Store.Leadership;

namespace ClusterKit.Manager.Host.Leadership;

/// <summary>
/// A leader service (ADR 0015): the key-value leases' expiry loop (<see cref="KvLeaseExpiry"/>, ADR 0017) runs in each
/// term this manager leads and stops when it steps down.
/// </summary>
internal sealed class KvLeaseExpiryService(RaftMemberSlot member, TimeProvider time, ILogger<KvLeaseExpiryService> logger) : ILeaderService
{
    public Task LeadAsync(LeaderTerm term, CancellationToken stepDown)
    {
        var store = member.Node.Store;
        return new KvLeaseExpiry(() => store.Current, store.WriteAsLeaderAsync, store.KvLeases, time, logger).RunAsync(stepDown);
    }
}
