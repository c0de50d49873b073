using System.Security.Cryptography.X509Certificates;
using ClusterKit.Proto.Manager.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace ClusterKit.Shared.Identity;

/// <summary>
/// The joiner's calls to a manager, shared by a joining manager and a joining worker: trust the
/// cluster's CA only if the token pins it, and name the manager in every failure.
/// </summary>
public static class JoinCalls
{
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    public static DateTime Deadline() => DateTime.UtcNow + CallTimeout;

    /// <summary>The roots the remote manager sends, before trusting it: only the one the token pins is used.</summary>
    /// <param name="tokenCommand">The command that prints a current token of this role, for the error.</param>
    public static async Task<X509Certificate2> FetchPinnedRootAsync(string remote, JoinToken joinToken, string tokenCommand, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(joinToken);
#pragma warning disable CA5359 // The token's CA digest, not this handshake, decides whom to trust (checked below).
        var acceptAny = new System.Net.Security.SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true };
#pragma warning restore CA5359
        using var channel = GrpcChannel.ForAddress("https://" + remote, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { SslOptions = acceptAny } });
        var ca = new NodeCa.NodeCaClient(channel);
        var roots = await CallAsync(remote, () => ca.GetRootCertificatesAsync(new GetRootCertificatesRequest(), deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync).ConfigureAwait(false);
        var certificates = roots.RootCertificatesPem.Select(pem => X509Certificate2.CreateFromPem(pem)).ToList();
        var pinned = certificates.FirstOrDefault(joinToken.Pins);
        return pinned ?? throw new RpcException(new Status(
            StatusCode.PermissionDenied,
            $"the manager at {remote} is not of the cluster this token is for: its CA digest is {string.Join(" or ", certificates.Select(CertificateDigest.Of))}, the token pins {joinToken.CaDigest} (a token of another cluster, or a CA rotated since the token was made: get a current one with `{tokenCommand}`)"));
    }

    /// <summary>The cluster id a root certificate names (O=).</summary>
    public static string ClusterIdOf(X509Certificate2 root)
    {
        ArgumentNullException.ThrowIfNull(root);
        return root.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(r => !r.HasMultipleElements && r.GetSingleElementType().Value == "2.5.4.10")
            .Select(r => r.GetSingleElementValue())
            .FirstOrDefault(v => !string.IsNullOrEmpty(v))
            ?? throw new RpcException(new Status(StatusCode.FailedPrecondition, $"the cluster's root certificate '{root.Subject}' names no cluster (O=<cluster id>)"));
    }

    /// <summary>Runs a call to the manager at <paramref name="remote"/>; a failure says which manager and whether it refused or did not answer.</summary>
    public static async Task<T> CallAsync<T>(string remote, Func<Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return await call().ConfigureAwait(false);
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
}
