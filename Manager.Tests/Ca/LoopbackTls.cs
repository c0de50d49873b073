using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using ClusterKit.Shared.Identity;

namespace ClusterKit.Manager.Tests.Ca;

/// <summary>What each end of one loopback TLS connection saw.</summary>
internal sealed record HandshakeOutcome(bool Connected, NodeIdentity? ServerSawClient, NodeIdentity? ClientSawServer, string? ServerError, string? ClientError)
{
    /// <summary>The suite the client's side negotiated (null when the handshake failed).</summary>
    public TlsCipherSuite? Cipher { get; init; }
}

/// <summary>Runs a real TLS handshake (and one byte each way) over 127.0.0.1 between two SslStreams.</summary>
internal static class LoopbackTls
{
    public static async Task<HandshakeOutcome> ConnectAsync(SslServerAuthenticationOptions server, SslClientAuthenticationOptions client)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var ct = timeout.Token;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        NodeIdentity? serverSaw = null, clientSaw = null;
        string? serverError = null, clientError = null;
        TlsCipherSuite? cipher = null;
        var serverSide = Task.Run(
            async () =>
            {
                using var tcp = await listener.AcceptTcpClientAsync(ct);
                await using var ssl = new SslStream(tcp.GetStream());
                try
                {
                    await ssl.AuthenticateAsServerAsync(server, ct);
                    serverSaw = Identity(ssl.RemoteCertificate);
                    await ssl.WriteAsync(new byte[] { 42 }, ct);
                    var buffer = new byte[1];
                    return await ssl.ReadAsync(buffer, ct) == 1 && buffer[0] == 7;
                }
                catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
                {
                    serverError = e.Message;
                    return false;
                }
            },
            ct);

        var clientConnected = false;
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(IPAddress.Loopback, port, ct);
            await using var ssl = new SslStream(tcp.GetStream());
            try
            {
                await ssl.AuthenticateAsClientAsync(client, ct);
                clientSaw = Identity(ssl.RemoteCertificate);
                cipher = ssl.NegotiatedCipherSuite;
                // TLS 1.3: the server judges the client's certificate after the client's handshake completes, so a
                // refusal shows on the first read.
                var buffer = new byte[1];
                if (await ssl.ReadAsync(buffer, ct) == 1 && buffer[0] == 42)
                {
                    await ssl.WriteAsync(new byte[] { 7 }, ct);
                    clientConnected = true;
                }
            }
            catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
            {
                clientError = e.Message;
            }
        }

        var serverConnected = await serverSide;
        return new HandshakeOutcome(serverConnected && clientConnected, serverSaw, clientSaw, serverError, clientError) { Cipher = cipher };
    }

    private static NodeIdentity? Identity(X509Certificate? certificate) =>
        certificate is null ? null : NodeIdentity.FromCertificate(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
}

/// <summary>One node's TLS setup as the manager, worker or ck would build it, collecting refusal reasons.</summary>
internal sealed class TlsNode
{
    public TlsNode(NodeCredentials credentials, TimeProvider? timeProvider = null)
    {
        Holder = new NodeCredentialsHolder(credentials);
        var validator = new PeerCertificateValidator(credentials.Identity.ClusterId, () => Holder.Current.Trust, timeProvider ?? TimeProvider.System);
        Factory = new TlsOptionsFactory(Holder, validator, r => Refusals.Enqueue(r.Reason!));
    }

    public NodeCredentialsHolder Holder { get; }

    public TlsOptionsFactory Factory { get; }

    public ConcurrentQueue<string> Refusals { get; } = new();
}
