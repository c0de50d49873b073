using Task = System.Threading.Tasks.Task;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using ClusterKit.Manager.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Identity;
using Grpc.Core;
using Grpc.Net.Client;
using IdentityRole = ClusterKit.Shared.Identity.NodeRole;

namespace ClusterKit.Manager.Host.Membership;

/// <summary>
/// The joining manager's side of `ck cluster join`: trust the cluster's CA only if the token pins
/// it, prove the token, get a certificate for a key made here, then ask for a Raft seat.
/// </summary>
internal static class ClusterJoin
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    public static async Task<NodeCredentials> RequestCertificateAsync(JoinRequest request, ManagerOptions options, TimeProvider time, CancellationToken token)
    {
        if (!JoinToken.TryParse(request.Token, out var joinToken, out var tokenError))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "--token: " + tokenError));
        }

        var remote = request.RemoteAddress;
        if (string.IsNullOrWhiteSpace(remote) || !remote.Contains(':', StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"manager address '{remote}' is invalid; allowed: HOST:PORT of a manager's API, e.g. 10.0.0.1:4243"));
        }

        var pinned = await FetchPinnedRootAsync(remote, joinToken, token);
        var clusterId = ClusterIdOf(pinned);
        using var channel = GrpcChannel.ForAddress("https://" + remote, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { SslOptions = TlsOptionsFactory.CreateJoinClientOptions(pinned, clusterId, time) },
        });
        var ca = new NodeCa.NodeCaClient(channel);
        var role = await CallAsync(remote, () => ca.TokenRoleAsync(new TokenRoleRequest { Token = request.Token }, deadline: Deadline(), cancellationToken: token).ResponseAsync);
        if (role.Role != Proto.Manager.V1.NodeRole.Manager)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "this is a worker token, and ck-manager joins with the manager token only; run `ck cluster join` on a worker host (ck-worker answers it), or get the manager token with `ck cluster join-token manager`"));
        }

        using var key = NodeKey.Create();
        var issued = await CallAsync(remote, () => ca.IssueNodeCertificateAsync(
            new IssueNodeCertificateRequest
            {
                Token = request.Token,
                CsrPem = NodeKey.CreateSigningRequestPem(key),
                Hostname = Environment.MachineName,
                RaftAddress = options.RaftEndPoint.ToString(),
                ApiAddress = options.ApiAddress,
            },
            deadline: Deadline(),
            cancellationToken: token).ResponseAsync);
        var certificate = NodeKey.WithCertificate(key, issued.CertificatePem);
        var trust = TrustBundle.Of(issued.RootCertificatesPem.Select(pem => X509Certificate2.CreateFromPem(pem)));
        return new NodeCredentials(certificate, trust);
    }

    /// <summary>Asks the cluster (through the manager joined through; it forwards to the leader) to add this manager to Raft.</summary>
    public static async Task TakeRaftSeatAsync(RaftNode node, ManagerTls tls, string remote, CancellationToken token)
    {
        using var channel = tls.ManagerChannel(remote);
        var membership = new MembershipService.MembershipServiceClient(channel);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            try
            {
                await membership.AddManagerAsync(new AddManagerRequest(), deadline: Deadline(), cancellationToken: token);
                break;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded && DateTime.UtcNow < deadline)
            {
                // An election, or the leader still catching this manager up: ask again.
                await Task.Delay(TimeSpan.FromMilliseconds(500), token);
            }
            catch (RpcException e)
            {
                throw new RpcException(new Status(e.StatusCode, $"the cluster did not add this manager to raft (through {remote}): {e.Status.Detail}"));
            }
        }

        while (!(node.IsMember && await node.WaitForLeaderAsync(TimeSpan.FromSeconds(1), token)))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"this manager was added to raft through {remote} but has not received the member list within 90 s"));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), token);
        }
    }

    /// <summary>The roots the remote manager sends, before trusting it: only the one the token pins is used.</summary>
    private static async Task<X509Certificate2> FetchPinnedRootAsync(string remote, JoinToken joinToken, CancellationToken token)
    {
        // Nothing is trusted on this connection: what it returns is checked against the token's digest below.
#pragma warning disable CA5359 // The token's CA digest, not this handshake, decides whom to trust (checked below).
        var acceptAny = new System.Net.Security.SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true };
#pragma warning restore CA5359
        using var channel = GrpcChannel.ForAddress("https://" + remote, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                SslOptions = acceptAny,
            },
        });
        var ca = new NodeCa.NodeCaClient(channel);
        var roots = await CallAsync(remote, () => ca.GetRootCertificatesAsync(new GetRootCertificatesRequest(), deadline: Deadline(), cancellationToken: token).ResponseAsync);
        var certificates = roots.RootCertificatesPem.Select(pem => X509Certificate2.CreateFromPem(pem)).ToList();
        var pinned = certificates.FirstOrDefault(joinToken.Pins);
        return pinned ?? throw new RpcException(new Status(
            StatusCode.PermissionDenied,
            $"the manager at {remote} is not of the cluster this token is for: its CA digest is {string.Join(" or ", certificates.Select(CertificateDigest.Of))}, the token pins {joinToken.CaDigest} (a token of another cluster, or a CA rotated since the token was made: get a current one with `ck cluster join-token manager`)"));
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
