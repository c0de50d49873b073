using System.Net.Security;
using System.Runtime.Versioning;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace ClusterKit.Shared.Identity;

/// <summary>
/// Mutual-TLS settings for every ClusterKit connection: SslStream server and client options, an HTTP handler for gRPC
/// clients and the pieces Kestrel needs. The certificate is read from the holder on each handshake (renewal without
/// restart); the peer is checked by the <see cref="PeerCertificateValidator"/>, never by host name.
/// </summary>
public sealed class TlsOptionsFactory
{
    // Both ends are ClusterKit; TLS 1.3 only. Resumption is off so that every handshake re-checks the peer's certificate
    // (a renewal, a dropped root or an expiry takes effect at once).
    private const SslProtocols Protocols = SslProtocols.Tls13;


    private readonly NodeCredentialsHolder _credentials;
    private readonly PeerCertificateValidator _validator;
    private readonly Action<PeerValidationResult>? _refused;

    /// <param name="refused">Told about every refused peer (with the one-line reason), e.g. to log it.</param>
    public TlsOptionsFactory(NodeCredentialsHolder credentials, PeerCertificateValidator validator, Action<PeerValidationResult>? refused = null)
    {
        _credentials = credentials ?? throw new ArgumentNullException(nameof(credentials));
        _validator = validator ?? throw new ArgumentNullException(nameof(validator));
        _refused = refused;
    }

    /// <summary>The certificate to present now (Kestrel's <c>HttpsConnectionAdapterOptions.ServerCertificateSelector</c>).</summary>
    public X509Certificate2 CurrentCertificate => _credentials.Current.Certificate;

    /// <summary>
    /// Server side, for options made once and used for every connection: presents the certificate current at each
    /// handshake and requires a client certificate with one of <paramref name="allowedClientRoles"/>.
    /// </summary>
    /// <param name="requireClientCertificate">False only for the join endpoint, where a joiner has no certificate yet and proves a token instead.</param>
    public SslServerAuthenticationOptions CreateServerOptions(IReadOnlyCollection<NodeRole> allowedClientRoles, bool requireClientCertificate = true)
    {
        var options = ServerOptions(allowedClientRoles, requireClientCertificate);
        options.ServerCertificateSelectionCallback = (_, _) => _credentials.Current.Certificate;
        return options;
    }

    /// <summary>
    /// Server side, for options made for one connection as it opens (Kestrel's per-connection callback): the current
    /// credentials' <see cref="NodeCredentials.ServerContext"/>, so that handshakes share one certificate context.
    /// </summary>
    public SslServerAuthenticationOptions CreateConnectionServerOptions(IReadOnlyCollection<NodeRole> allowedClientRoles, bool requireClientCertificate = true)
    {
        var options = ServerOptions(allowedClientRoles, requireClientCertificate);
        options.ServerCertificateContext = _credentials.Current.ServerContext;
        return options;
    }

    /// <summary>
    /// Per-connection server options, for <c>SslStream.AuthenticateAsServerAsync(callback, state)</c> and Kestrel's
    /// <c>ListenOptions.UseHttps(callback, state)</c>.
    /// </summary>
    public ServerOptionsSelectionCallback ServerOptionsCallback(IReadOnlyCollection<NodeRole> allowedClientRoles, bool requireClientCertificate = true)
    {
        ArgumentNullException.ThrowIfNull(allowedClientRoles);
        return (_, _, _, _) => ValueTask.FromResult(CreateConnectionServerOptions(allowedClientRoles, requireClientCertificate));
    }

    private SslServerAuthenticationOptions ServerOptions(IReadOnlyCollection<NodeRole> allowedClientRoles, bool requireClientCertificate)
    {
        ArgumentNullException.ThrowIfNull(allowedClientRoles);
        var options = new SslServerAuthenticationOptions
        {
            ClientCertificateRequired = true,
            RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                (!requireClientCertificate && certificate is null) || Check(certificate, chain, allowedClientRoles),
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            EnabledSslProtocols = Protocols,
            AllowTlsResume = false,
            ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
        };
        if (OperatingSystem.IsLinux())
        {
            options.CipherSuitesPolicy = ServerCipherSuites.Policy;
        }

        return options;
    }

    /// <summary>Kestrel's <c>HttpsConnectionAdapterOptions.ClientCertificateValidation</c> (with <c>ClientCertificateMode.RequireCertificate</c>).</summary>
    public Func<X509Certificate2, X509Chain?, SslPolicyErrors, bool> ClientCertificateValidation(IReadOnlyCollection<NodeRole> allowedClientRoles)
    {
        ArgumentNullException.ThrowIfNull(allowedClientRoles);
        return (certificate, chain, _) => Check(certificate, chain, allowedClientRoles);
    }

    /// <summary>Client side: presents the current certificate and requires a server with one of <paramref name="allowedServerRoles"/>.</summary>
    public SslClientAuthenticationOptions CreateClientOptions(IReadOnlyCollection<NodeRole> allowedServerRoles)
    {
        ArgumentNullException.ThrowIfNull(allowedServerRoles);
        return new SslClientAuthenticationOptions
        {
            LocalCertificateSelectionCallback = (_, _, _, _, _) => _credentials.Current.Certificate,
            RemoteCertificateValidationCallback = (_, certificate, chain, _) => Check(certificate, chain, allowedServerRoles),
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            EnabledSslProtocols = Protocols,
            AllowTlsResume = false,
        };
    }

    /// <summary>An HTTP/2-capable handler for <c>GrpcChannel</c> over https with this node's certificate.</summary>
    public SocketsHttpHandler CreateHttpHandler(IReadOnlyCollection<NodeRole> allowedServerRoles) => new()
    {
        SslOptions = CreateClientOptions(allowedServerRoles),
        // Pooled connections keep the certificate they were opened with; recycling them lets a renewal reach long-lived channels.
        PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        EnableMultipleHttp2Connections = true,
    };

    /// <summary>
    /// The joiner's side of the join call: no client certificate yet; the manager must present a manager certificate from
    /// <paramref name="pinnedRoot"/>, the root whose digest the join token pins (see <see cref="JoinToken.VerifyCaCertificate"/>),
    /// of the cluster that root names in its subject (O=).
    /// </summary>
    public static SslClientAuthenticationOptions CreateJoinClientOptions(X509Certificate2 pinnedRoot, TimeProvider timeProvider, Action<PeerValidationResult>? refused = null)
    {
        ArgumentNullException.ThrowIfNull(pinnedRoot);
        var clusterId = pinnedRoot.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(r => !r.HasMultipleElements && r.GetSingleElementType().Value == "2.5.4.10")
            .Select(r => r.GetSingleElementValue())
            .FirstOrDefault(v => !string.IsNullOrEmpty(v))
            ?? throw new ArgumentException($"root CA '{pinnedRoot.Subject}' names no cluster (O=<cluster id>)", nameof(pinnedRoot));
        return CreateJoinClientOptions(pinnedRoot, clusterId, timeProvider, refused);
    }

    /// <summary>As above, with the cluster id given rather than read from the root's subject.</summary>
    public static SslClientAuthenticationOptions CreateJoinClientOptions(X509Certificate2 pinnedRoot, string clusterId, TimeProvider timeProvider, Action<PeerValidationResult>? refused = null)
    {
        ArgumentNullException.ThrowIfNull(pinnedRoot);
        var trust = TrustBundle.Of(pinnedRoot);
        var validator = new PeerCertificateValidator(clusterId, () => trust, timeProvider);
        return new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
            {
                var result = validator.Validate(certificate, [NodeRole.Manager], Presented(chain));
                if (!result.IsAccepted)
                {
                    refused?.Invoke(result);
                }

                return result.IsAccepted;
            },
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            EnabledSslProtocols = Protocols,
            AllowTlsResume = false,
        };
    }

    private bool Check(X509Certificate? certificate, X509Chain? chain, IReadOnlyCollection<NodeRole> allowedRoles)
    {
        var result = _validator.Validate(certificate, allowedRoles, Presented(chain));
        if (!result.IsAccepted)
        {
            _refused?.Invoke(result);
        }

        return result.IsAccepted;
    }

    // The chain SslStream built holds the certificates the peer sent; they only help name a foreign root in a refusal.
    private static X509Certificate2Collection? Presented(X509Chain? chain) =>
        chain is null || chain.ChainPolicy.ExtraStore.Count == 0 ? null : chain.ChainPolicy.ExtraStore;

    /// <summary>
    /// TLS 1.3's suites with AES-128-GCM first. OpenSSL's own order puts AES-256-GCM first and the server's order wins,
    /// so every connection paid 40 % more rounds of AES on both ends for no practical gain: the registry's downloads
    /// cost skopeo and the manager measurably more than the reference registry, whose Go server picks AES-128 (both
    /// suites are secure against every known attack).
    /// </summary>
    [SupportedOSPlatform("linux")]
    private static class ServerCipherSuites
    {
        public static readonly CipherSuitesPolicy Policy = new([
            TlsCipherSuite.TLS_AES_128_GCM_SHA256,
            TlsCipherSuite.TLS_AES_256_GCM_SHA384,
            TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        ]);
    }
}
