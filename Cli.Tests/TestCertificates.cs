using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ClusterKit.Shared.Identity;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Cli.Tests;

/// <summary>Root CAs and node certificates made in memory, shaped as the manager's CA makes them (O=cluster, OU=role, CN=node).</summary>
internal static class TestCertificates
{
    /// <summary>Where <see cref="FixedClock"/> stands.</summary>
    public static readonly DateTimeOffset Epoch = new(2026, 1, 30, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A clock that stays at <see cref="Epoch"/>, for tests that make certificates but never check them against the wall clock.</summary>
    public static TimeProvider FixedClock() => new FakeTimeProvider(Epoch);

    /// <summary>A root valid from 5 minutes before <paramref name="clock"/>'s now for 30 days.</summary>
    public static X509Certificate2 Root(string clusterId, TimeProvider clock)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName(clusterId);
        subject.AddCommonName("clusterkit root CA");
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = clock.GetUtcNow();
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(30));
    }

    /// <summary>A leaf for <paramref name="identity"/> signed by <paramref name="root"/>, with its private key.</summary>
    public static X509Certificate2 Node(X509Certificate2 root, NodeIdentity identity, TimeProvider clock)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(identity.ToSubject(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        var now = clock.GetUtcNow();
        using var issued = request.Create(root, now.AddMinutes(-5), now.AddDays(7), RandomNumberGenerator.GetBytes(12));
        return issued.CopyWithPrivateKey(key);
    }

    public static JoinToken TokenFor(X509Certificate2 root) => new(CertificateDigest.Of(root), JoinToken.NewSecret());
}

/// <summary>A uniquely named directory under /tmp (ckt- prefix), removed on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("ckt-cli-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
