using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Store.Kv;

/// <summary>A range read and the KV revision of the state it read (etcd's header revision).</summary>
public sealed record KvRead(long Revision, KvRangeResult Result);

/// <summary>
/// The etcd-compatible key-value store (ADR 0017) as its servers use it, on any manager: writes committed through the
/// store (forwarded to the leader from a follower), reads from this manager's copy or linearizable, its watchers, and
/// lease keep-alives, which only the leader answers.
/// </summary>
public interface IKvStore
{
    /// <summary>This manager's applied key-value state (serializable reads, watches, lease listings).</summary>
    KvState Current { get; }

    /// <summary>This manager's watchers, fed as it applies each revision.</summary>
    KvWatchHub Watches { get; }

    /// <summary>
    /// Commits one write and returns its result exactly as every manager applied it. Throws <see cref="KvException"/>
    /// with etcd's code and message when apply refused it (nothing was applied).
    /// </summary>
    Task<KvWriteResult> WriteAsync(KvWrite write, CancellationToken token = default);

    /// <summary>A range read: from this manager's applied state, or after the store's read barrier when <paramref name="linearizable"/>.</summary>
    /// <exception cref="KvException">A compacted or future revision, a bad key or limit.</exception>
    ValueTask<KvRead> RangeAsync(KvRange request, bool linearizable, CancellationToken token = default);

    /// <summary>
    /// Starts the lease's TTL again and returns its granted TTL. Answered by the leader only while it holds leadership
    /// under its leader lease (ADR 0017); elsewhere it is passed to the leader. Throws <see cref="KvException"/>
    /// (<see cref="KvErrorCode.LeaseNotFound"/>) for an unknown lease.
    /// </summary>
    Task<long> KeepAliveAsync(long leaseId, CancellationToken token = default);
}
