using ClusterKit.Shared.Identity;

namespace ClusterKit.Worker.Cluster;

/// <summary>
/// The worker's side of `ck cluster join`: trust the manager's CA only if the token pins it, ask
/// which role the token grants (worker only), then get a certificate for a key made here.
/// </summary>
internal static class WorkerJoin
{
    public static Task<NodeCredentials> RequestCertificateAsync(string token, string remote, TimeProvider time, CancellationToken cancellationToken)
        => JoinCalls.RequestCertificateAsync(
            new JoinApplication(
                token,
                remote,
                Proto.Manager.V1.NodeRole.Worker,
                "this is a manager token, and ck-worker joins with the worker token only; run `ck cluster join` on the host where ck-manager runs (it answers a manager token), or get the worker token with `ck cluster join-token worker`"),
            time,
            cancellationToken);
}
