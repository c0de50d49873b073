using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ClusterKit.Shared.Identity;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Shared.Tests.Identity;

/// <summary>
/// Small roots and node certificates for Shared's tests (the real CA lives in the manager and is tested there).
/// Every validity period comes from the clock passed in, never from the wall clock, so that a test's fixed dates
/// and its certificates agree whatever the day it runs.
/// </summary>
internal static class TestCertificates
{
    /// <summary>The moment the tests' fake clocks start at: fixed, so a message with a date in it can be compared whole.</summary>
    public static readonly DateTimeOffset Epoch = new(2026, 1, 30, 12, 0, 0, TimeSpan.Zero);

    public static FakeTimeProvider Clock() => new(Epoch);

    public static string NewClusterId() => "ckt-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    public static X509Certificate2 Root(TimeProvider clock, string clusterId)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"O={clusterId}, CN=test root {Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = clock.GetUtcNow();
        return request.CreateSelfSigned(now.AddYears(-1), now.AddYears(1));
    }

    public static X509Certificate2 Node(TimeProvider clock, X509Certificate2 root, NodeIdentity identity, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(identity.ToSubject(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, true, false));
        var now = clock.GetUtcNow();
        using var issued = request.Create(root, notBefore ?? now.AddMinutes(-5), notAfter ?? now.AddDays(30), RandomNumberGenerator.GetBytes(8));
        return issued.CopyWithPrivateKey(key);
    }
}
