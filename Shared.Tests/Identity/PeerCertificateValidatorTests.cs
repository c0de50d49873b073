using ClusterKit.Shared.Identity;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Shared.Tests.Identity;

public sealed class PeerCertificateValidatorTests
{
    private readonly FakeTimeProvider _clock = TestCertificates.Clock();

    private static readonly NodeRole[] ManagersOnly = [NodeRole.Manager];

    private readonly string _clusterId = TestCertificates.NewClusterId();

    [Fact]
    public void A_node_certificate_of_this_cluster_with_an_allowed_role_is_accepted()
    {
        using var root = TestCertificates.Root(_clock, _clusterId);
        var identity = new NodeIdentity(_clusterId, "m1", NodeRole.Manager);
        using var node = TestCertificates.Node(_clock, root, identity);

        var result = Validator(root).Validate(node, ManagersOnly);

        Assert.True(result.IsAccepted, result.Reason);
        Assert.Equal(identity, result.Peer);
    }

    [Fact]
    public void A_certificate_from_another_CA_names_both_CAs()
    {
        using var root = TestCertificates.Root(_clock, _clusterId);
        using var otherRoot = TestCertificates.Root(_clock, _clusterId);
        using var node = TestCertificates.Node(_clock, otherRoot, new NodeIdentity(_clusterId, "m1", NodeRole.Manager));

        var result = Validator(root).Validate(node, ManagersOnly);

        Assert.False(result.IsAccepted);
        Assert.StartsWith("certificate of node m1 was issued by another CA (issuer '", result.Reason, StringComparison.Ordinal);
        Assert.EndsWith($"this cluster's CA is {CertificateDigest.Of(root)}", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_foreign_root_sent_along_is_named_by_its_digest()
    {
        using var root = TestCertificates.Root(_clock, _clusterId);
        using var otherRoot = TestCertificates.Root(_clock, _clusterId);
        using var node = TestCertificates.Node(_clock, otherRoot, new NodeIdentity(_clusterId, "m1", NodeRole.Manager));

        var result = Validator(root).Validate(node, ManagersOnly, [otherRoot]);

        Assert.Contains($"was issued by another CA (root digest {CertificateDigest.Of(otherRoot)})", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_expired_certificate_says_when_it_expired()
    {
        using var root = TestCertificates.Root(_clock, _clusterId);
        var notAfter = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        using var node = TestCertificates.Node(_clock, root, new NodeIdentity(_clusterId, "w1", NodeRole.Worker), notAfter.AddDays(-90), notAfter);
        var validator = new PeerCertificateValidator(_clusterId, () => TrustBundle.Of(root), _clock);
        _clock.SetUtcNow(notAfter.AddSeconds(-1));
        Assert.True(validator.Validate(node, [NodeRole.Worker]).IsAccepted);

        _clock.Advance(TimeSpan.FromSeconds(2));
        var result = validator.Validate(node, [NodeRole.Worker]);

        Assert.Equal("certificate of node w1 expired at 2026-03-01 12:00:00Z (now 2026-03-01 12:00:01Z); the node must renew it or join again", result.Reason);
    }

    [Fact]
    public void A_certificate_not_yet_valid_points_at_the_clocks()
    {
        using var root = TestCertificates.Root(_clock, _clusterId);
        var now = _clock.GetUtcNow();
        using var node = TestCertificates.Node(_clock, root, new NodeIdentity(_clusterId, "w1", NodeRole.Worker), now.AddHours(1), now.AddDays(1));

        var result = Validator(root).Validate(node, [NodeRole.Worker]);

        Assert.Contains("certificate of node w1 is not valid until", result.Reason, StringComparison.Ordinal);
        Assert.Contains("check the clocks", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_role_that_is_not_allowed_is_refused()
    {
        using var root = TestCertificates.Root(_clock, _clusterId);
        using var node = TestCertificates.Node(_clock, root, new NodeIdentity(_clusterId, "w1", NodeRole.Worker));

        var result = Validator(root).Validate(node, ManagersOnly);

        Assert.Equal("role worker is not allowed here (node w1; allowed: manager)", result.Reason);
        Assert.Equal(NodeRole.Worker, result.Peer?.Role);
    }

    [Fact]
    public void A_certificate_of_another_cluster_under_the_same_root_is_refused()
    {
        using var root = TestCertificates.Root(_clock, _clusterId);
        using var node = TestCertificates.Node(_clock, root, new NodeIdentity("elsewhere", "m1", NodeRole.Manager));

        var result = Validator(root).Validate(node, ManagersOnly);

        Assert.Equal($"certificate of node m1 belongs to cluster elsewhere, not to this cluster {_clusterId}", result.Reason);
    }

    [Fact]
    public void A_certificate_signed_by_a_node_instead_of_the_CA_is_refused()
    {
        using var root = TestCertificates.Root(_clock, _clusterId);
        using var worker = TestCertificates.Node(_clock, root, new NodeIdentity(_clusterId, "w1", NodeRole.Worker));
        using var forgedKey = System.Security.Cryptography.ECDsa.Create();
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(
            new NodeIdentity(_clusterId, "m9", NodeRole.Manager).ToSubject(), forgedKey, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var workerKey = System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions.GetECDsaPrivateKey(worker)!;
        var now = _clock.GetUtcNow();
        using var forged = request.Create(worker.SubjectName, System.Security.Cryptography.X509Certificates.X509SignatureGenerator.CreateForECDsa(workerKey), now.AddMinutes(-1), now.AddDays(1), [1, 2, 3]);

        var result = Validator(root).Validate(forged, ManagersOnly, [worker]);

        Assert.False(result.IsAccepted);
        Assert.StartsWith("certificate of node m9 failed chain validation (", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void No_certificate_and_a_non_node_certificate_are_refused()
    {
        using var root = TestCertificates.Root(_clock, _clusterId);

        Assert.Contains("presented no certificate", Validator(root).Validate(null, ManagersOnly).Reason, StringComparison.Ordinal);
        Assert.Contains("is not a ClusterKit node subject", Validator(root).Validate(root, ManagersOnly).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_trust_bundle_is_read_on_every_validation()
    {
        using var oldRoot = TestCertificates.Root(_clock, _clusterId);
        using var newRoot = TestCertificates.Root(_clock, _clusterId);
        using var node = TestCertificates.Node(_clock, oldRoot, new NodeIdentity(_clusterId, "m1", NodeRole.Manager));
        var trust = TrustBundle.Of(oldRoot, newRoot);
        var validator = new PeerCertificateValidator(_clusterId, () => trust, _clock);
        Assert.True(validator.Validate(node, ManagersOnly).IsAccepted);

        trust = trust.Without(CertificateDigest.Of(oldRoot));

        Assert.Contains("was issued by another CA", validator.Validate(node, ManagersOnly).Reason, StringComparison.Ordinal);
    }

    private PeerCertificateValidator Validator(System.Security.Cryptography.X509Certificates.X509Certificate2 root)
    {
        var trust = TrustBundle.Of(root);
        return new PeerCertificateValidator(_clusterId, () => trust, _clock);
    }
}
