using ClusterKit.Manager.Store.Kv;
using ClusterKit.Proto.Etcd.Rpc;
using Grpc.Core;

namespace ClusterKit.Manager.Kv.Etcd;

/// <summary>
/// etcd's Maintenance service as far as `etcdctl endpoint status` needs: Status. Alarms, defragmentation, hashes,
/// snapshots and leader moves have no meaning for the managers' store and answer Unimplemented (the base class).
/// </summary>
internal sealed class EtcdMaintenanceService(IKvBackend backend) : Maintenance.MaintenanceBase
{
    /// <summary>The etcd release whose API this server speaks (clients compare it to pick features).</summary>
    public const string EtcdApiVersion = "3.4.0";

    public override async Task<StatusResponse> Status(StatusRequest request, ServerCallContext context)
    {
        var state = await backend.ReadAsync(linearizable: false, context.CancellationToken);
        var status = backend.Status();
        var size = KvSize.Estimate(state);
        return new StatusResponse
        {
            Header = EtcdHeaders.At(status, state.Revision),
            Version = EtcdApiVersion,
            DbSize = size,
            DbSizeInUse = size,
            Leader = status.Leader,
            RaftIndex = status.RaftIndex,
            RaftTerm = status.RaftTerm,
            RaftAppliedIndex = status.RaftAppliedIndex,
        };
    }
}

/// <summary>etcd's Cluster service: the managers as members. Membership changes go through `ck` and answer Unimplemented.</summary>
internal sealed class EtcdClusterService(IKvBackend backend) : Cluster.ClusterBase
{
    // etcd's MemberList header carries no revision (ADR 0018).
    public override Task<MemberListResponse> MemberList(MemberListRequest request, ServerCallContext context)
    {
        var status = backend.Status();
        var response = new MemberListResponse { Header = EtcdHeaders.At(status, 0) };
        foreach (var m in status.Members)
        {
            var member = new Member { ID = m.Id, Name = m.Name };
            member.PeerURLs.AddRange(m.PeerUrls);
            member.ClientURLs.AddRange(m.ClientUrls);
            response.Members.Add(member);
        }

        return Task.FromResult(response);
    }
}

/// <summary>etcd's Auth service: users and roles are not how ClusterKit authenticates (mutual TLS), so every method answers Unimplemented.</summary>
internal sealed class EtcdAuthService : Auth.AuthBase;

/// <summary>The bytes the key-value history holds (keys and values of every kept record): etcd's database size, roughly.</summary>
internal static class KvSize
{
    // What a record costs beyond its bytes: revisions, version, lease.
    private const int RecordOverhead = 40;

    public static long Estimate(KvState state)
    {
        long bytes = 0;
        foreach (var (key, history) in state.KeysIn(KvKeyRange.All))
        {
            foreach (var record in history.Records)
            {
                bytes += key.Length + record.Value.Length + RecordOverhead;
            }
        }

        return bytes;
    }
}
