using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Store.Kv;

/// <summary>
/// What the key-value servers (etcd gRPC, plain HTTP) need of a manager's store, and nothing more: a write and its
/// result, a state to read, the watch hub, the lease clock's answers and who this member is. One implementation runs
/// in process over <see cref="MemoryStore"/> (<see cref="MemoryKvBackend"/>); the replicated one goes through Raft.
/// </summary>
public interface IKvBackend
{
    /// <summary>Watchers of the state this manager has applied.</summary>
    KvWatchHub Watches { get; }

    /// <summary>Commits one write; its result, or <see cref="KvException"/> with etcd's code when it was rejected.</summary>
    Task<KvWriteResult> WriteAsync(KvWrite write, CancellationToken cancellationToken);

    /// <summary>
    /// The state to read: this manager's applied state (serializable), or one that includes every write committed
    /// before the call (linearizable: after a read barrier).
    /// </summary>
    Task<KvState> ReadAsync(bool linearizable, CancellationToken cancellationToken);

    /// <summary>A keep-alive of lease <paramref name="id"/>: its granted TTL in seconds, or null when there is no such lease.</summary>
    Task<long?> KeepAliveAsync(long id, CancellationToken cancellationToken);

    /// <summary>The seconds lease <paramref name="id"/> has left (-1: no such lease), its granted TTL, and its keys when asked.</summary>
    Task<KvLeaseStatus> TimeToLiveAsync(long id, bool withKeys, CancellationToken cancellationToken);

    /// <summary>This member, its cluster and the members, as etcd's response headers, Status and MemberList show them.</summary>
    KvMemberStatus Status();
}

/// <summary>One member as etcd's MemberList shows it.</summary>
public sealed record KvMember(ulong Id, string Name, IReadOnlyList<string> PeerUrls, IReadOnlyList<string> ClientUrls);

/// <summary>
/// This member's view of its cluster: ids for response headers (<see cref="ClusterId"/>, <see cref="MemberId"/>,
/// <see cref="RaftTerm"/>), the leader (0: none known), the log index committed and applied, and every member.
/// </summary>
public sealed record KvMemberStatus(ulong ClusterId, ulong MemberId, ulong RaftTerm, ulong Leader, ulong RaftIndex, ulong RaftAppliedIndex, IReadOnlyList<KvMember> Members);
