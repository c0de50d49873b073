using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ClusterKit.Shared.Identity;

namespace ClusterKit.Manager.Ca;

/// <summary>Signs node certificates (client and server use, random serial, 90 days by default) with a root CA for a node's own public key.</summary>
public sealed class CertificateIssuer
{
    public static readonly TimeSpan DefaultValidity = TimeSpan.FromDays(90);

    private static readonly TimeSpan MinimumValidity = TimeSpan.FromHours(1);

    private readonly RootCa _ca;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _validity;

    public CertificateIssuer(RootCa ca, TimeProvider timeProvider, TimeSpan? validity = null)
    {
        _ca = ca ?? throw new ArgumentNullException(nameof(ca));
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _validity = validity ?? DefaultValidity;
        if (_validity < MinimumValidity)
        {
            throw new ArgumentOutOfRangeException(nameof(validity), _validity, $"node certificate validity {_validity} is too short; allowed: at least {MinimumValidity}");
        }
    }

    /// <summary>The CA this issuer signs with.</summary>
    public RootCa Ca => _ca;

    /// <summary>
    /// The join path: verifies <paramref name="token"/> and issues for the role it grants, never another one. Throws
    /// <see cref="JoinTokenException"/> for a refused token or a role the token does not grant.
    /// </summary>
    public X509Certificate2 IssueForJoin(JoinTokens tokens, string token, string nodeId, NodeRole requestedRole, string signingRequestPem)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var granted = tokens.Verify(token, _ca.Digest);
        if (granted != requestedRole)
        {
            throw new JoinTokenException(
                $"the token grants role {NodeIdentity.RoleName(granted)}, not {NodeIdentity.RoleName(requestedRole)}; " +
                $"ask a manager for the {NodeIdentity.RoleName(requestedRole)} token with `ck cluster join-token {NodeIdentity.RoleName(requestedRole)}`");
        }

        return Issue(new NodeIdentity(_ca.ClusterId, nodeId, granted), signingRequestPem);
    }

    /// <summary>Issues for a PKCS#10 request (PEM) whose signature proves the node holds the key; the request's own subject is ignored.</summary>
    /// <param name="serverAddress">
    /// A manager's API address (HOST:PORT): its host goes into the subject alternative names, so that standard clients
    /// (skopeo, dockerd) that check the server's name against its certificate accept the cluster registry.
    /// </param>
    public X509Certificate2 Issue(NodeIdentity node, string signingRequestPem, string? serverAddress = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(signingRequestPem);
        CertificateRequest request;
        try
        {
            request = CertificateRequest.LoadSigningRequestPem(signingRequestPem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException($"certificate signing request for node {node?.NodeId} is not a valid signed PKCS#10 request: {e.Message.ReplaceLineEndings(" ")}", e);
        }

        return Issue(node!, request.PublicKey, serverAddress);
    }

    /// <summary>Issues for a public key the node sent (renewals where the key is already known to be the node's).</summary>
    public X509Certificate2 Issue(NodeIdentity node, PublicKey publicKey, string? serverAddress = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(publicKey);
        if (node.ClusterId != _ca.ClusterId)
        {
            throw new ArgumentException($"node {node.NodeId} is of cluster {node.ClusterId}, but this CA belongs to cluster {_ca.ClusterId}");
        }

        CheckKey(publicKey, node.NodeId);
        var now = _timeProvider.GetUtcNow();
        var notBefore = now - RootCa.ClockSkew;
        var caNotAfter = new DateTimeOffset(_ca.Certificate.NotAfter.ToUniversalTime());
        var notAfter = now + _validity < caNotAfter ? now + _validity : caNotAfter;
        if (notAfter <= now)
        {
            throw new InvalidOperationException($"root CA {_ca.Digest} expired at {caNotAfter:u}; rotate it with `ck cluster ca --rotate`");
        }

        var request = new CertificateRequest(node.ToSubject(), publicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication"), new Oid("1.3.6.1.5.5.7.3.2", "Client Authentication")], critical: false));
        if (ServerNames.Of(serverAddress) is { } names)
        {
            request.CertificateExtensions.Add(names);
        }

        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(publicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_ca.Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        return request.Create(_ca.Certificate, notBefore, notAfter, NewSerialNumber());
    }

    private static void CheckKey(PublicKey publicKey, string nodeId)
    {
        using var ecdsa = publicKey.GetECDsaPublicKey();
        if (ecdsa is not null)
        {
            if (ecdsa.KeySize < 256)
            {
                throw new ArgumentException($"node {nodeId}'s ECDSA key has {ecdsa.KeySize} bits; allowed: 256 or more (P-256, P-384, P-521)");
            }

            return;
        }

        using var rsa = publicKey.GetRSAPublicKey();
        if (rsa is null || rsa.KeySize < 2048)
        {
            throw new ArgumentException($"node {nodeId}'s key is {(rsa is null ? publicKey.Oid.FriendlyName ?? publicKey.Oid.Value : $"RSA-{rsa.KeySize}")}; allowed: ECDSA P-256 or larger, RSA 2048 or larger");
        }
    }

    private static byte[] NewSerialNumber()
    {
        // 128 random bits, positive and without a leading zero byte, as RFC 5280 asks.
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x40);
        return serial;
    }
}
