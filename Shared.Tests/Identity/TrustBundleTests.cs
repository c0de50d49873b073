using ClusterKit.Shared.Identity;

namespace ClusterKit.Shared.Tests.Identity;

public sealed class TrustBundleTests
{
    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider _clock = TestCertificates.Clock();

    [Fact]
    public void A_bundle_of_two_roots_round_trips_through_PEM_without_keys()
    {
        var clusterId = TestCertificates.NewClusterId();
        using var oldRoot = TestCertificates.Root(_clock, clusterId);
        using var newRoot = TestCertificates.Root(_clock, clusterId);

        var bundle = TrustBundle.Of(oldRoot, newRoot, oldRoot);
        var back = TrustBundle.FromPem(bundle.ToPem());

        Assert.Equal([CertificateDigest.Of(oldRoot), CertificateDigest.Of(newRoot)], back.Digests);
        Assert.All(back.Roots, r => Assert.False(r.HasPrivateKey));
        Assert.DoesNotContain("PRIVATE KEY", bundle.ToPem(), StringComparison.Ordinal);
        Assert.True(back.Contains(CertificateDigest.Of(newRoot)));
    }

    [Fact]
    public void Dropping_a_root_keeps_the_other_and_the_last_root_stays()
    {
        var clusterId = TestCertificates.NewClusterId();
        using var oldRoot = TestCertificates.Root(_clock, clusterId);
        using var newRoot = TestCertificates.Root(_clock, clusterId);
        var bundle = TrustBundle.Of(oldRoot).With(newRoot);

        var dropped = bundle.Without(CertificateDigest.Of(oldRoot));

        Assert.Equal([CertificateDigest.Of(newRoot)], dropped.Digests);
        Assert.Contains("is the bundle's only root", Assert.Throws<ArgumentException>(() => dropped.Without(CertificateDigest.Of(newRoot))).Message, StringComparison.Ordinal);
        Assert.Contains("is not in the trust bundle", Assert.Throws<ArgumentException>(() => dropped.Without(CertificateDigest.Of(oldRoot))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_node_certificate_is_not_a_root()
    {
        var clusterId = TestCertificates.NewClusterId();
        using var root = TestCertificates.Root(_clock, clusterId);
        using var node = TestCertificates.Node(_clock, root, new NodeIdentity(clusterId, "n1", NodeRole.Worker));

        var error = Assert.Throws<ArgumentException>(() => TrustBundle.Of(node));

        Assert.Contains("is not a CA certificate; a trust bundle holds only root CAs", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "holds no PEM CERTIFICATE block")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "is not a valid certificate")]
    public void Bad_PEM_names_the_source(string pem, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => TrustBundle.FromPem(pem, "trust bundle file /x/trust.pem"));

        Assert.StartsWith("trust bundle file /x/trust.pem", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
