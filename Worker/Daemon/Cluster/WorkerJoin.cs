using System.Security.Cryptography.X509Certificates;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Identity;
using Grpc.Core;
using Grpc.Net.Client;
using Task = System.Threading.Tasks.Task;

namespace ClusterKit.Worker.Cluster;

/// <summary>
/// The worker's side of `ck cluster join`: trust the manager's CA only if the token pins it, ask
/// which role the token grants (worker only), then get a certificate for a key made here.
/// </summary>
internal static class WorkerJoin
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

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

        var pinned = await FetchPinnedRootAsync(remote, joinToken, cancellationToken);
        var clusterId = ClusterIdOf(pinned);
        using var channel = GrpcChannel.ForAddress("https://" + remote, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { SslOptions = TlsOptionsFactory.CreateJoinClientOptions(pinned, clusterId, time) },
        });
        var ca = new NodeCa.NodeCaClient(channel);
        var role = await CallAsync(remote, () => ca.TokenRoleAsync(new TokenRoleRequest { Token = token }, deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync);
        if (role.Role != Proto.Manager.V1.NodeRole.Worker)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "this is a manager token, and ck-worker joins with the worker token only; run `ck cluster join` on the host where ck-manager runs (it answers a manager token), or get the worker token with `ck cluster join-token worker`"));
        }

        using var key = NodeKey.Create();
        var issued = await CallAsync(remote, () => ca.IssueNodeCertificateAsync(
            new IssueNodeCertificateRequest { Token = token, CsrPem = NodeKey.CreateSigningRequestPem(key), Hostname = Environment.MachineName },
            deadline: Deadline(),
            cancellationToken: cancellationToken).ResponseAsync);
        var certificate = NodeKey.WithCertificate(key, issued.CertificatePem);
        var trust = TrustBundle.Of(issued.RootCertificatesPem.Select(pem => X509Certificate2.CreateFromPem(pem)));
        return new NodeCredentials(certificate, trust);
    }

    /// <summary>The roots the remote manager sends, before trusting it: only the one the token pins is used.</summary>
    private static async Task<X509Certificate2> FetchPinnedRootAsync(string remote, JoinToken joinToken, CancellationToken cancellationToken)
    {
#pragma warning disable CA5359 // The token's CA digest, not this handshake, decides whom to trust (checked below).
        var acceptAny = new System.Net.Security.SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true };
#pragma warning restore CA5359
        using var channel = GrpcChannel.ForAddress("https://" + remote, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { SslOptions = acceptAny } });
        var ca = new NodeCa.NodeCaClient(channel);
        var roots = await CallAsync(remote, () => ca.GetRootCertificatesAsync(new GetRootCertificatesRequest(), deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync);
        var certificates = roots.RootCertificatesPem.Select(pem => X509Certificate2.CreateFromPem(pem)).ToList();
        var pinned = certificates.FirstOrDefault(joinToken.Pins);
        return pinned ?? throw new RpcException(new Status(
            StatusCode.PermissionDenied,
            $"the manager at {remote} is not of the cluster this token is for: its CA digest is {string.Join(" or ", certificates.Select(CertificateDigest.Of))}, the token pins {joinToken.CaDigest} (a token of another cluster, or a CA rotated since the token was made: get a current one with `ck cluster join-token worker`)"));
    }

    private static string ClusterIdOf(X509Certificate2 root)
        => root.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(r => !r.HasMultipleElements && r.GetSingleElementType().Value == "2.5.4.10")
            .Select(r => r.GetSingleElementValue())
            .FirstOrDefault(v => !string.IsNullOrEmpty(v))
            ?? throw new RpcException(new Status(StatusCode.FailedPrecondition, $"the cluster's root certificate '{root.Subject}' names no cluster (O=<cluster id>)"));

    private static async Task<T> CallAsync<T>(string remote, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            throw new RpcException(new Status(e.StatusCode, $"the manager at {remote} did not answer: {e.Status.Detail}"));
        }
        catch (RpcException e)
        {
            throw new RpcException(new Status(e.StatusCode, $"the manager at {remote} refused the join: {e.Status.Detail}"));
        }
    }

    private static DateTime Deadline() => DateTime.UtcNow + CallTimeout;
}
