using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ClusterKit.Shared.Identity;

namespace ClusterKit.Manager.Ca;

/// <summary>The cluster's root CA (ECDSA P-256, 10 years), kept in the replicated store as two PEM strings so every manager can issue.</summary>
public sealed class RootCa
{
    public static readonly TimeSpan DefaultValidity = TimeSpan.FromDays(3653);

    // Backdated so that a host whose clock runs a little behind still accepts a certificate made a moment ago.
    internal static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private RootCa(X509Certificate2 certificate, string clusterId)
    {
        Certificate = certificate;
        ClusterId = clusterId;
        Digest = CertificateDigest.Of(certificate);
        CertificatePem = certificate.ExportCertificatePem();
    }

    /// <summary>The root certificate with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    public string ClusterId { get; }

    /// <summary>The <see cref="CertificateDigest"/> that join tokens pin.</summary>
    public string Digest { get; }

    public string CertificatePem { get; }

    public static RootCa Create(string clusterId, TimeProvider timeProvider, TimeSpan? validity = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        var now = timeProvider.GetUtcNow();
        var lifetime = validity ?? DefaultValidity;
        if (lifetime <= ClockSkew)
        {
            throw new ArgumentOutOfRangeException(nameof(validity), lifetime, $"root CA validity {lifetime} is too short; allowed: more than {ClockSkew}");
        }

        // Node subjects carry the cluster id, so the root takes the same rules for it (a one-line ArgumentException).
        _ = new NodeIdentity(clusterId, "root", NodeRole.Worker);
        var builder = new X500DistinguishedNameBuilder();
        builder.AddOrganizationName(clusterId);
        // A distinct name per root: during a rotation two roots of one cluster are trusted side by side.
        builder.AddCommonName($"ClusterKit root CA {now:yyyy-MM-dd} {Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
        var subject = builder.Build();

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var certificate = request.CreateSelfSigned(now - ClockSkew, now + lifetime);
        return new RootCa(certificate, clusterId);
    }

    /// <summary>
    /// Reads a root back from the store's PEM strings; a one-line error if they are not a ClusterKit
    /// root and its key. Without <paramref name="keyPem"/> (a locked manager) the root can be trusted but signs nothing.
    /// </summary>
    public static RootCa FromPem(string certificatePem, string? keyPem)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = string.IsNullOrEmpty(keyPem) ? X509Certificate2.CreateFromPem(certificatePem) : X509Certificate2.CreateFromPem(certificatePem, keyPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new InvalidDataException($"root CA certificate or key PEM is not valid: {e.Message.ReplaceLineEndings(" ")}", e);
        }

        if (!certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority))
        {
            throw new InvalidDataException($"certificate '{certificate.Subject}' is not a CA certificate (no CA basic constraint)");
        }

        var clusterId = certificate.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(r => !r.HasMultipleElements && r.GetSingleElementType().Value == "2.5.4.10")
            .Select(r => r.GetSingleElementValue())
            .FirstOrDefault();
        return clusterId is null
            ? throw new InvalidDataException($"root CA certificate '{certificate.Subject}' names no cluster (O=<cluster id>)")
            : new RootCa(certificate, clusterId);
    }

    public bool HasPrivateKey => Certificate.HasPrivateKey;

    /// <summary>The private key as PKCS#8 PEM, to be sealed for the replicated store (ADR 0011).</summary>
    public string ExportKeyPem()
    {
        using var key = Certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException($"root CA {Digest} has no private key");
        return key.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>The root without its key, for trust bundles and for joiners.</summary>
    public X509Certificate2 PublicCertificate() => X509CertificateLoader.LoadCertificate(Certificate.RawData);

    public override string ToString() => $"root CA {Digest} of cluster {ClusterId}, valid until {Certificate.NotAfter.ToUniversalTime():u}";
}
