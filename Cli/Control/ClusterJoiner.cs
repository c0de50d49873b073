using System.Security.Cryptography.X509Certificates;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Proto.Worker.V1;
using ClusterKit.Shared.Identity;
using Grpc.Core;
using StoreRole = ClusterKit.Proto.Manager.V1.NodeRole;

namespace ClusterKit.Cli.Control;

/// <summary>The manager a join goes through: first asked without trusting it, then pinned to the token's root.</summary>
internal interface IJoinRemote
{
    /// <summary>The remote's root certificates (PEM) over a connection that trusts nothing yet.</summary>
    Task<IReadOnlyList<string>> GetRootCertificatesAsync(CancellationToken cancellationToken);

    /// <summary>Which role the token grants, asked only of a manager whose certificate chains to <paramref name="pinnedRoot"/>.</summary>
    Task<StoreRole> TokenRoleAsync(X509Certificate2 pinnedRoot, string token, CancellationToken cancellationToken);
}

/// <summary>The daemons on this host that carry out a join: ck-manager (manager token) or ck-worker (worker token).</summary>
internal interface ILocalJoiners
{
    Task<JoinResponse> JoinManagerAsync(JoinRequest request, CancellationToken cancellationToken);

    Task<JoinClusterResponse> JoinWorkerAsync(JoinClusterRequest request, CancellationToken cancellationToken);

    /// <summary>Names the worker daemon in messages (its socket).</summary>
    string WorkerTarget { get; }
}

/// <summary>What a join did, for the operator.</summary>
internal sealed record JoinOutcome(string ClusterId, string NodeId, StoreRole Role)
{
    public override string ToString() =>
        $"This node joined cluster {ClusterId} as a {(Role == StoreRole.Manager ? "manager" : "worker")} (node id {NodeId}).";
}

/// <summary>
/// `ck cluster join --token T ADDR`: check that the remote holds the root the token pins before telling it the
/// token's secret, learn the token's role from it, then hand the join to this host's manager or worker daemon.
/// </summary>
internal sealed class ClusterJoiner(IJoinRemote remote, ILocalJoiners local)
{
    public async Task<JoinOutcome> JoinAsync(JoinToken token, string address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        var roots = await remote.GetRootCertificatesAsync(cancellationToken);
        var pinned = PinnedRoot.Select(token, roots, address);
        var role = await remote.TokenRoleAsync(pinned, token.ToString(), cancellationToken);
        switch (role)
        {
            case StoreRole.Manager:
                var manager = await local.JoinManagerAsync(new JoinRequest { Token = token.ToString(), RemoteAddress = address }, cancellationToken);
                return new JoinOutcome(manager.ClusterId, manager.NodeId, StoreRole.Manager);
            case StoreRole.Worker:
                try
                {
                    var worker = await local.JoinWorkerAsync(new JoinClusterRequest { Token = token.ToString(), RemoteAddress = address }, cancellationToken);
                    return new JoinOutcome(worker.ClusterId, worker.NodeId, StoreRole.Worker);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
                {
                    throw new ClusterCommandException(
                        $"this is a worker token, but the worker daemon at {local.WorkerTarget} cannot join a cluster yet (its ck-worker has no Cluster.Join); nothing was changed", e);
                }

            default:
                throw new ClusterCommandException($"the manager at {address} says the token grants role {role}; allowed: worker or manager (is ck older than the manager?)");
        }
    }
}
