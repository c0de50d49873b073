using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ClusterKit.Manager.Ca;
using ClusterKit.Shared.Identity;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Manager.Tests.Ca;

public sealed class RootCaTests
{
    [Fact]
    public void A_root_is_an_ECDSA_P256_CA_for_ten_years_that_may_only_sign_certificates()
    {
        var now = new DateTimeOffset(2026, 11, 28, 16, 0, 0, TimeSpan.Zero);

        var ca = RootCa.Create("c1", new FakeTimeProvider(now));

        var certificate = ca.Certificate;
        Assert.True(certificate.HasPrivateKey);
        using var key = certificate.GetECDsaPublicKey();
        Assert.Equal(256, key!.KeySize);
        Assert.Equal(ECCurve.NamedCurves.nistP256.Oid.Value, key.ExportParameters(false).Curve.Oid.Value);
        var constraints = certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.True(constraints.CertificateAuthority);
        Assert.True(constraints.Critical);
        var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, usage.KeyUsages);
        Assert.Equal(now.AddDays(3653).UtcDateTime, certificate.NotAfter.ToUniversalTime());
        Assert.True(certificate.NotBefore.ToUniversalTime() < now.UtcDateTime);
        Assert.Equal("c1", ca.ClusterId);
        Assert.Equal(CertificateDigest.Of(certificate), ca.Digest);
    }

    [Fact]
    public void Two_roots_of_one_cluster_have_distinct_names_and_digests()
    {
        var first = RootCa.Create("c1", TimeProvider.System);
        var second = RootCa.Create("c1", TimeProvider.System);

        Assert.NotEqual(first.Certificate.Subject, second.Certificate.Subject);
        Assert.NotEqual(first.Digest, second.Digest);
    }

    [Fact]
    public void The_store_keeps_a_root_as_two_PEM_strings()
    {
        var ca = RootCa.Create("c1", TimeProvider.System);

        var back = RootCa.FromPem(ca.CertificatePem, ca.ExportKeyPem());

        Assert.Equal(ca.Digest, back.Digest);
        Assert.Equal("c1", back.ClusterId);
        Assert.True(back.Certificate.HasPrivateKey);
        Assert.False(ca.PublicCertificate().HasPrivateKey);
        var issued = new CertificateIssuer(back, TimeProvider.System).Issue(new NodeIdentity("c1", "n1", NodeRole.Worker), NodeKey.CreateSigningRequestPem(NodeKey.Create()));
        Assert.Equal(ca.Certificate.SubjectName.Name, issued.IssuerName.Name);
    }

    [Fact]
    public void A_key_of_another_root_is_refused()
    {
        var ca = RootCa.Create("c1", TimeProvider.System);
        var other = RootCa.Create("c1", TimeProvider.System);

        var error = Assert.Throws<InvalidDataException>(() => RootCa.FromPem(ca.CertificatePem, other.ExportKeyPem()));

        Assert.StartsWith("root CA certificate or key PEM is not valid: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_cluster_id_is_named()
    {
        var error = Assert.Throws<ArgumentException>(() => RootCa.Create("my cluster", TimeProvider.System));

        Assert.Contains("cluster id 'my cluster' contains ' '", error.Message, StringComparison.Ordinal);
    }
}
