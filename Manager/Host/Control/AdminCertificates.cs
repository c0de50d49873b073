using ClusterKit.Shared.Identity;
using Grpc.Core;
using IdentityRole = ClusterKit.Shared.Identity.NodeRole;

namespace ClusterKit.Manager.Host.Control;

/// <summary>Whom an admin certificate for ck is issued to (pure): the caller of <c>IssueAdminCertificate</c> decides.</summary>
internal static class AdminCertificates
{
    /// <summary>Prefix of admin identities, so that no admin id can be mistaken for a node's.</summary>
    public const string IdPrefix = "admin-";

    /// <summary>
    /// Root on a manager's host (the local socket) gets a new admin identity; an admin certificate gets its own
    /// identity again (a renewal from the current signing root). Everyone else is refused.
    /// </summary>
    public static NodeIdentity IdentityFor(Caller caller, string clusterId)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(clusterId);
        return caller switch
        {
            { Kind: CallerKind.LocalSocket } => new NodeIdentity(clusterId, IdPrefix + NodeIdentity.NewId(), IdentityRole.Admin),
            { Kind: CallerKind.Admin, Identity: { Role: IdentityRole.Admin } admin } when admin.ClusterId == clusterId
                => new NodeIdentity(clusterId, admin.NodeId, IdentityRole.Admin),
            { Kind: CallerKind.Admin, Identity: { } foreign } => throw new RpcException(new Status(
                StatusCode.PermissionDenied,
                $"admin certificate {foreign.NodeId} is of cluster {foreign.ClusterId}, not of this cluster {clusterId}")),
            _ => throw new RpcException(new Status(
                caller.Kind == CallerKind.Anonymous ? StatusCode.Unauthenticated : StatusCode.PermissionDenied,
                $"{caller.Describe()} may not get an admin certificate; allowed: root on a manager's host (local socket) or an admin certificate")),
        };
    }
}
