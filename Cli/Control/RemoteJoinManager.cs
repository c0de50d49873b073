using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Identity;
using Grpc.Core;
using Grpc.Net.Client;
using StoreRole = ClusterKit.Proto.Manager.V1.NodeRole;

namespace ClusterKit.Cli.Control;

/// <summary>The NodeCa of the manager a join goes through, over its TLS API port without a client certificate.</summary>
internal sealed class RemoteJoinManager(string address, TimeProvider time) : IJoinRemote
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    public async Task<IReadOnlyList<string>> GetRootCertificatesAsync(CancellationToken cancellationToken)
    {
        // Nothing is trusted on this connection: PinnedRoot keeps only the root whose digest the token names.
#pragma warning disable CA5359 // The token's CA digest, not this handshake, decides whom to trust.
        var acceptAny = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true };
#pragma warning restore CA5359
        using var channel = Channel(acceptAny);
        var ca = new NodeCa.NodeCaClient(channel);
        var response = await CallAsync(() => ca.GetRootCertificatesAsync(new GetRootCertificatesRequest(), deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync, null);
        return response.RootCertificatesPem;
    }

    public async Task<StoreRole> TokenRoleAsync(X509Certificate2 pinnedRoot, string token, CancellationToken cancellationToken)
    {
        string? refusal = null;
        var options = TlsOptionsFactory.CreateJoinClientOptions(pinnedRoot, PinnedRoot.ClusterIdOf(pinnedRoot, address), time, refused => refusal = refused.Reason);
        using var channel = Channel(options);
        var ca = new NodeCa.NodeCaClient(channel);
        var response = await CallAsync(() => ca.TokenRoleAsync(new TokenRoleRequest { Token = token }, deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync, () => refusal);
        return response.Role;
    }

    private GrpcChannel Channel(SslClientAuthenticationOptions ssl) => GrpcChannel.ForAddress("https://" + address, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler { SslOptions = ssl, ConnectTimeout = TimeSpan.FromSeconds(10) },
    });

    private async Task<T> CallAsync<T>(Func<Task<T>> call, Func<string?>? refusal)
    {
        try
        {
            return await call();
        }
        catch (RpcException e) when (refusal?.Invoke() is { } reason)
        {
            throw new ClusterCommandException($"refused the TLS handshake with {address}: its certificate is not a manager certificate of the token's cluster: {reason}", e);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.DeadlineExceeded)
        {
            throw new ClusterCommandException($"the manager at {address} did not answer within {CallTimeout.TotalSeconds:0} s (has its cluster lost quorum?)", e);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable || IsConnectionFailure(e))
        {
            throw new ClusterCommandException($"the manager at {address} did not answer: {e.Status.Detail.ReplaceLineEndings(" ")}", e);
        }
        catch (RpcException e)
        {
            throw new ClusterCommandException($"the manager at {address} refused the join: {e.Status.Detail}", e);
        }
    }

    // A failed connection or handshake comes back as Internal or Unavailable with the HTTP error inside.
    private static bool IsConnectionFailure(Exception error)
    {
        for (var inner = error.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is HttpRequestException)
            {
                return true;
            }
        }

        return false;
    }

    private static DateTime Deadline() => DateTime.UtcNow + CallTimeout;
}
