using System.Security.Cryptography.X509Certificates;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Identity;
using Grpc.Core;
using Grpc.Net.Client;

namespace ClusterKit.Worker.Cluster;

/// <summary>
/// The worker's side of `ck cluster join`: trust the manager's CA only if the token pins it, ask
/// which role the token grants (worker only), then get a certificate for a key made here.
/// </summary>
internal static class WorkerJoin
{
    public static async Task<NodeCredentials> RequestCertificateAsync(string token, string remote, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!JoinToken.TryParse(token, out var joinToken, out var tokenError))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "--token: " + tokenError));
        }

        if (string.IsNullOrWhiteSpace(remote) || !remote.Contains(':', StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"manager address '{remote}' is invalid; allowed: HOST:PORT of a manager's API, e.g. 10.0.0.1:4243"));
        }

        var pinned = await JoinCalls.FetchPinnedRootAsync(remote, joinToken, "ck cluster join-token worker", cancellationToken);
        var clusterId = JoinCalls.ClusterIdOf(pinned);
        using var channel = GrpcChannel.ForAddress("https://" + remote, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { SslOptions = TlsOptionsFactory.CreateJoinClientOptions(pinned, clusterId, time) },
        });
        var ca = new NodeCa.NodeCaClient(channel);
        var role = await JoinCalls.CallAsync(remote, () => ca.TokenRoleAsync(new TokenRoleRequest { Token = token }, deadline: JoinCalls.Deadline(), cancellationToken: cancellationToken).ResponseAsync);
        if (role.Role != Proto.Manager.V1.NodeRole.Worker)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "this is a manager token, and ck-worker joins with the worker token only; run `ck cluster join` on the host where ck-manager runs (it answers a manager token), or get the worker token with `ck cluster join-token worker`"));
        }

        using var key = NodeKey.Create();
        var issued = await JoinCalls.CallAsync(remote, () => ca.IssueNodeCertificateAsync(
            new IssueNodeCertificateRequest { Token = token, CsrPem = NodeKey.CreateSigningRequestPem(key), Hostname = Environment.MachineName },
            deadline: JoinCalls.Deadline(),
            cancellationToken: cancellationToken).ResponseAsync);
        var certificate = NodeKey.WithCertificate(key, issued.CertificatePem);
        var trust = TrustBundle.Of(issued.RootCertificatesPem.Select(pem => X509Certificate2.CreateFromPem(pem)));
        return new NodeCredentials(certificate, trust);
    }
}
