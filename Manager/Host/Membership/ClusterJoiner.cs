using ClusterKit.Manager.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Identity;

namespace ClusterKit.Manager.Host.Membership;

/// <summary>`ck cluster join` with a manager token: a certificate from the cluster, then a Raft seat.</summary>
internal sealed partial class ClusterJoiner(
    ManagerOptions options,
    BootstrapGate gate,
    BootstrapFiles bootstrap,
    RaftMemberStarter starter,
    PendingBootstrap pending,
    DataKeyHandOff dataKeys,
    TimeProvider time,
    ILogger<ClusterJoiner> logger)
{
    public async Task<JoinResponse> JoinAsync(JoinRequest request, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var entered = await gate.EnterAsync(token);
        gate.EnsureNotJoined();
        var joined = await ClusterJoin.RequestCertificateAsync(request, options, time, token);
        bootstrap.WritePendingJoin(request.RemoteAddress);
        var files = new CertificateFiles(bootstrap.IdentityDirectory);
        files.Save(joined);
        await starter.StartAsync(joined, files, RaftBootstrap.Join, token, joining: true);
        await pending.CompleteAsync(token);
        await dataKeys.FetchAfterJoinAsync(token);
        LogJoined(logger, joined.Identity.ClusterId, joined.Identity.NodeId, request.RemoteAddress);
        return new JoinResponse { ClusterId = joined.Identity.ClusterId, NodeId = joined.Identity.NodeId, Role = Proto.Manager.V1.NodeRole.Manager };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Joined cluster {ClusterId} as manager {NodeId} through {Remote}")]
    private static partial void LogJoined(ILogger logger, string clusterId, string nodeId, string remote);
}
