using ClusterKit.Manager.Store.Kv;
using ClusterKit.Proto.Etcd.Rpc;

namespace ClusterKit.Manager.Kv.Etcd;

/// <summary>etcd's response header: who answered (cluster, member, Raft term) and the store revision the answer is at.</summary>
internal static class EtcdHeaders
{
    public static ResponseHeader At(IKvBackend backend, long revision) => At(backend.Status(), revision);

    /// <summary>A header from a status the caller already holds.</summary>
    public static ResponseHeader At(KvMemberStatus status, long revision)
        => new() { ClusterId = status.ClusterId, MemberId = status.MemberId, RaftTerm = status.RaftTerm, Revision = revision };

    /// <summary>A header at the revision this manager has applied (etcd's for answers that read nothing).</summary>
    public static async Task<ResponseHeader> CurrentAsync(IKvBackend backend, CancellationToken cancellationToken)
        => At(backend, (await backend.ReadAsync(linearizable: false, cancellationToken)).Revision);
}
