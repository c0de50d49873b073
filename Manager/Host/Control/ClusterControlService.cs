using System.Security.Cryptography.X509Certificates;
using ClusterKit.Manager.Ca;
using ClusterKit.Manager.Host.Membership;
using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Identity;
using Grpc.Core;
using ClusterObject = ClusterKit.Proto.Manager.V1.Cluster;
using IdentityRole = ClusterKit.Shared.Identity.NodeRole;
using StoreRole = ClusterKit.Proto.Manager.V1.NodeRole;

namespace ClusterKit.Manager.Host.Control;

/// <summary>`ck cluster ...`: init and join (local socket), inspect, join tokens, CA rotation, admin certificates.</summary>
internal sealed partial class ClusterControlService(
    RaftMemberSlot member,
    ClusterInitializer initializer,
    ClusterJoiner joiner,
    ClusterLock clusterLock,
    DataKeyring keys,
    NodeStateClock stateClock,
    TimeProvider time,
    ILogger<ClusterControlService> logger) : ClusterService.ClusterServiceBase
{
    private static readonly TimeSpan QuorumProbe = TimeSpan.FromSeconds(2);

    public override Task<InitResponse> Init(InitRequest request, ServerCallContext context) => initializer.InitAsync(request, context.CancellationToken);

    public override Task<JoinResponse> Join(JoinRequest request, ServerCallContext context) => joiner.JoinAsync(request, context.CancellationToken);

    public override Task<UnlockResponse> Unlock(UnlockRequest request, ServerCallContext context) => clusterLock.UnlockAsync(request, context.CancellationToken);

    public override Task<GetUnlockKeyResponse> GetUnlockKey(GetUnlockKeyRequest request, ServerCallContext context) => clusterLock.GetAsync(request, context.CancellationToken);

    public override async Task<ClusterInfo> Inspect(InspectClusterRequest request, ServerCallContext context)
    {
        var raft = member.RequireNode();
        var cluster = member.CurrentCluster() ?? throw new RpcException(new Status(StatusCode.Unavailable, "the cluster object is not replicated to this manager yet; try again"));
        var authority = ClusterAuthority.FromStore(cluster, keys);
        var status = await raft.GetStatusAsync(context.CancellationToken);
        var members = raft.Members;
        var info = new ClusterInfo
        {
            ClusterId = cluster.Id,
            CreatedUnixMs = cluster.CreatedUnixMs,
            CaRotationPhase = authority.Rotation.ToString(),
            CertificateValidityMs = (long)authority.Validity.TotalMilliseconds,
            HeartbeatPeriodMs = cluster.HeartbeatPeriodMs,
            LeaderNodeId = status.LeaderNodeId ?? string.Empty,
            Managers = members.Count,
            ReachableManagers = members.Count(m => m.Reachable),
            HasQuorum = await raft.HasQuorumAsync(QuorumProbe, context.CancellationToken),
            StoreVersion = status.StoreVersion,
        };
        info.RootCertificatesPem.AddRange(authority.Trust.Roots.Select(r => r.ExportCertificatePem()));
        info.RootDigests.AddRange(authority.Trust.Digests);
        var nodes = raft.Store.View(tx => tx.List<Node>());
        info.Nodes = nodes.Count;
        info.NodesOnRetiringRoot.AddRange(RotationProgress.Pending(authority.Rotation, nodes, members, stateClock.Of));
        return info;
    }

    public override async Task<GetJoinTokenResponse> GetJoinToken(GetJoinTokenRequest request, ServerCallContext context)
    {
        var role = request.Role switch
        {
            StoreRole.Worker => IdentityRole.Worker,
            StoreRole.Manager => IdentityRole.Manager,
            _ => throw new RpcException(new Status(StatusCode.InvalidArgument, $"join token role {request.Role} is unknown; allowed: worker, manager")),
        };
        var raft = member.RequireNode();
        if (request.Rotate)
        {
            await CommitAsync(raft, tx =>
            {
                var authority = ClusterAuthority.FromStore(StoredCluster.Get(tx), keys);
                tx.Update(authority.With(authority.Tokens.Rotate(role)));
            }, context.CancellationToken);
            LogRotatedToken(logger, NodeIdentity.RoleName(role));
        }

        var current = await raft.Store.ReadAsync(tx => StoredCluster.Get(tx), context.CancellationToken);
        var now = ClusterAuthority.FromStore(current, keys);
        return new GetJoinTokenResponse { Token = now.Tokens.Token(role, now.TokenDigest).ToString() };
    }

    public override async Task<RotateCaResponse> RotateCa(RotateCaRequest request, ServerCallContext context)
    {
        var raft = member.RequireNode();
        await CommitAsync(raft, tx =>
        {
            var authority = ClusterAuthority.FromStore(StoredCluster.Get(tx), keys);
            var nodes = tx.List<Node>().Select(n => n.Id);
            CaRotation next;
            try
            {
                next = authority.Rotation.Start(RootCa.Create(authority.ClusterId, time), nodes);
            }
            catch (InvalidOperationException e)
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition, e.Message));
            }

            tx.Update(authority.With(next));
        }, context.CancellationToken);
        var after = ClusterAuthority.FromStore(await raft.Store.ReadAsync(tx => StoredCluster.Get(tx), context.CancellationToken), keys);
        LogRotatingCa(logger, after.Rotation.ToString());
        var response = new RotateCaResponse { Phase = after.Rotation.ToString() };
        response.RootDigests.AddRange(after.Trust.Digests);
        return response;
    }

    public override async Task<IssueAdminCertificateResponse> IssueAdminCertificate(IssueAdminCertificateRequest request, ServerCallContext context)
    {
        var raft = member.RequireNode();
        ClusterObject? stored;
        try
        {
            // A linearizable read: the signing root as the leader has it, never a root a rotation just replaced.
            stored = await raft.Store.ReadAsync(tx => StoredCluster.Find(tx), context.CancellationToken);
        }
        catch (LeaderUnavailableException)
        {
            throw NoLeader.Refusal(raft.Members);
        }

        if (stored is null)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the cluster has no CA yet; try again"));
        }

        var authority = ClusterAuthority.FromStore(stored, keys);
        var caller = CallerAuthorizationInterceptor.CallerOf(context);
        var identity = AdminCertificates.IdentityFor(caller, authority.ClusterId);
        X509Certificate2 certificate;
        try
        {
            certificate = authority.Issuer(time).Issue(identity, request.CsrPem);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or System.Security.Cryptography.CryptographicException)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "the admin certificate signing request was refused: " + e.Message));
        }

        LogIssuedAdmin(logger, identity.NodeId, caller.Describe());
        var response = new IssueAdminCertificateResponse { ClusterId = authority.ClusterId, CertificatePem = certificate.ExportCertificatePem() };
        response.RootCertificatesPem.AddRange(authority.Trust.Roots.Select(r => r.ExportCertificatePem()));
        return response;
    }

    private static async Task CommitAsync(RaftNode raft, Action<WriteTransaction> update, CancellationToken token)
    {
        try
        {
            await raft.Store.UpdateAsync(update, token);
        }
        catch (StoreConflictException e)
        {
            throw new RpcException(new Status(StatusCode.Aborted, e.Message + "; run the command again"));
        }
        catch (LeaderUnavailableException)
        {
            throw NoLeader.Refusal(raft.Members);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Role} join token was rotated; earlier tokens are refused")]
    private static partial void LogRotatedToken(ILogger logger, string role);

    [LoggerMessage(Level = LogLevel.Information, Message = "Issued admin certificate {AdminId} to {Caller}")]
    private static partial void LogIssuedAdmin(ILogger logger, string adminId, string caller);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CA rotation started: {State}")]
    private static partial void LogRotatingCa(ILogger logger, string state);
}
