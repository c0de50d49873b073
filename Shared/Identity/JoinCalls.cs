using System.Security.Cryptography.X509Certificates;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Remote;
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

    /// <summary>
    /// The whole join of a manager or a worker: check the token and the address, trust the remote's CA only if the
    /// token pins it, ask which role the token grants (refused unless it is <see cref="JoinApplication.Role"/>), and
    /// get a certificate for a key made here (it never leaves this host).
    /// </summary>
    public static async Task<NodeCredentials> RequestCertificateAsync(JoinApplication application, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(application);
        if (!JoinToken.TryParse(application.Token, out var joinToken, out var tokenError))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "--token: " + tokenError));
        }

        var remote = application.RemoteAddress;
        if (string.IsNullOrWhiteSpace(remote) || !remote.Contains(':', StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"manager address '{remote}' is invalid; allowed: HOST:PORT of a manager's API, e.g. 10.0.0.1:4243"));
        }

        var roleName = application.Role == Proto.Manager.V1.NodeRole.Manager ? "manager" : "worker";
        var pinned = await FetchPinnedRootAsync(remote, joinToken, "ck cluster join-token " + roleName, time, cancellationToken).ConfigureAwait(false);
        var clusterId = ClusterIdOf(pinned);
        using var channel = GrpcChannel.ForAddress("https://" + remote, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { SslOptions = TlsOptionsFactory.CreateJoinClientOptions(pinned, clusterId, time) },
        });
        var ca = new NodeCa.NodeCaClient(channel);
        var role = await CallAsync(remote, () => ca.TokenRoleAsync(new TokenRoleRequest { Token = application.Token }, deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync, time, cancellationToken).ConfigureAwait(false);
        if (role.Role != application.Role)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, application.WrongTokenMessage));
        }

        using var key = NodeKey.Create();
        var issued = await CallAsync(remote, () => ca.IssueNodeCertificateAsync(
            new IssueNodeCertificateRequest
            {
                Token = application.Token,
                CsrPem = NodeKey.CreateSigningRequestPem(key),
                Hostname = Environment.MachineName,
                RaftAddress = application.RaftAddress,
                ApiAddress = application.ApiAddress,
            },
            deadline: Deadline(),
            cancellationToken: cancellationToken).ResponseAsync,
            time,
            cancellationToken).ConfigureAwait(false);
        var certificate = NodeKey.WithCertificate(key, issued.CertificatePem);
        var trust = TrustBundle.Of(issued.RootCertificatesPem.Select(pem => X509Certificate2.CreateFromPem(pem)));
        return new NodeCredentials(certificate, trust);
    }

    /// <summary>The roots the remote manager sends, before trusting it: only the one the token pins is used.</summary>
    /// <param name="tokenCommand">The command that prints a current token of this role, for the error.</param>
    public static async Task<X509Certificate2> FetchPinnedRootAsync(string remote, JoinToken joinToken, string tokenCommand, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(joinToken);
#pragma warning disable CA5359 // The token's CA digest, not this handshake, decides whom to trust (checked below).
        var acceptAny = new System.Net.Security.SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true };
#pragma warning restore CA5359
        using var channel = GrpcChannel.ForAddress("https://" + remote, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { SslOptions = acceptAny } });
        var ca = new NodeCa.NodeCaClient(channel);
        var roots = await CallAsync(remote, () => ca.GetRootCertificatesAsync(new GetRootCertificatesRequest(), deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync, time, cancellationToken).ConfigureAwait(false);
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

    /// <summary>How long a join waits out elections (a call refused with <see cref="ElectionUnderWay"/>) before it gives up.</summary>
    public static readonly TimeSpan ElectionPatience = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan ElectionRetryDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Runs a call to the manager at <paramref name="remote"/>; a failure says which manager and whether it refused or did
    /// not answer. A call refused only because an election was under way (a join right after another manager's join
    /// starts one) is sent again for up to <see cref="ElectionPatience"/>: every call of a join may be repeated (a
    /// certificate asked again with the same key gets the same node).
    /// </summary>
    public static async Task<T> CallAsync<T>(string remote, Func<Task<T>> call, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(time);
        var started = time.GetTimestamp();
        while (true)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (RpcException e) when (ElectionUnderWay.IsMarked(e) && time.GetElapsedTime(started) < ElectionPatience)
            {
                await Task.Delay(ElectionRetryDelay, time, cancellationToken).ConfigureAwait(false);
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
}

/// <summary>What a joiner asks a manager for (see <see cref="JoinCalls.RequestCertificateAsync"/>).</summary>
/// <param name="WrongTokenMessage">The refusal when the token grants another role: where that token is used instead.</param>
public sealed record JoinApplication(string Token, string RemoteAddress, Proto.Manager.V1.NodeRole Role, string WrongTokenMessage)
{
    /// <summary>A joining manager's raft address (empty for a worker).</summary>
    public string RaftAddress { get; init; } = string.Empty;

    /// <summary>A joining manager's API address (empty for a worker).</summary>
    public string ApiAddress { get; init; } = string.Empty;
}
