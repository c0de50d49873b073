using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ClusterKit.Manager.Ca;
using ClusterKit.Shared.Identity;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Manager.Tests.Ca;

public sealed class CertificateIssuerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 16, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(Now);
    private readonly RootCa _ca;

    public CertificateIssuerTests()
    {
        _ca = RootCa.Create("c1", _clock);
    }

    [Fact]
    public void A_node_certificate_names_the_node_serves_both_ways_and_lives_90_days()
    {
        using var key = NodeKey.Create();
        var node = new NodeIdentity("c1", "n1", NodeRole.Manager);

        var certificate = new CertificateIssuer(_ca, _clock).Issue(node, NodeKey.CreateSigningRequestPem(key));

        Assert.Equal(node, NodeIdentity.FromCertificate(certificate));
        Assert.Equal(Now.AddDays(90).UtcDateTime, certificate.NotAfter.ToUniversalTime());
        Assert.False(certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value);
        Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], usages);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), certificate.PublicKey.ExportSubjectPublicKeyInfo());
        Assert.False(certificate.HasPrivateKey);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca.PublicCertificate());
        chain.ChainPolicy.VerificationTime = Now.UtcDateTime;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(certificate), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
    }

    [Fact]
    public void Validity_is_configurable_and_never_outlives_the_root()
    {
        var csr = NodeKey.CreateSigningRequestPem(NodeKey.Create());
        var node = new NodeIdentity("c1", "n1", NodeRole.Worker);

        var shortLived = new CertificateIssuer(_ca, _clock, TimeSpan.FromDays(7)).Issue(node, csr);
        var tooLong = new CertificateIssuer(_ca, _clock, TimeSpan.FromDays(20000)).Issue(node, csr);

        Assert.Equal(Now.AddDays(7).UtcDateTime, shortLived.NotAfter.ToUniversalTime());
        Assert.Equal(_ca.Certificate.NotAfter, tooLong.NotAfter);
    }

    [Fact]
    public void Serial_numbers_are_random_positive_128_bit_numbers()
    {
        var issuer = new CertificateIssuer(_ca, _clock);
        var csr = NodeKey.CreateSigningRequestPem(NodeKey.Create());
        var serials = Enumerable.Range(0, 20)
            .Select(_ => issuer.Issue(new NodeIdentity("c1", "n1", NodeRole.Worker), csr).SerialNumberBytes.ToArray())
            .ToArray();

        Assert.Equal(20, serials.Select(Convert.ToHexString).Distinct().Count());
        Assert.All(serials, s => Assert.Equal(16, s.Length));
        Assert.All(serials, s => Assert.True(new BigInteger(s, isUnsigned: false, isBigEndian: true) > 0));
    }

    [Fact]
    public void A_request_whose_signature_does_not_verify_is_refused()
    {
        var csr = NodeKey.CreateSigningRequestPem(NodeKey.Create());
        var der = PemEncoding.Find(csr) is var fields ? Convert.FromBase64String(csr[fields.Base64Data]) : [];
        der[^5] ^= 0x55; // inside the signature
        var tampered = PemEncoding.WriteString("CERTIFICATE REQUEST", der);

        var error = Assert.Throws<ArgumentException>(() => new CertificateIssuer(_ca, _clock).Issue(new NodeIdentity("c1", "n1", NodeRole.Worker), tampered));

        Assert.StartsWith("certificate signing request for node n1 is not a valid signed PKCS#10 request", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_node_of_another_cluster_and_a_weak_key_are_refused()
    {
        var issuer = new CertificateIssuer(_ca, _clock);
        using var rsa = RSA.Create(1024);
        var weak = new CertificateRequest("CN=x", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem();

        var foreign = Assert.Throws<ArgumentException>(() => issuer.Issue(new NodeIdentity("c2", "n1", NodeRole.Worker), NodeKey.CreateSigningRequestPem(NodeKey.Create())));
        var small = Assert.Throws<ArgumentException>(() => issuer.Issue(new NodeIdentity("c1", "n1", NodeRole.Worker), weak));

        Assert.Equal("node n1 is of cluster c2, but this CA belongs to cluster c1", foreign.Message);
        Assert.Equal("node n1's key is RSA-1024; allowed: ECDSA P-256 or larger, RSA 2048 or larger", small.Message);
    }

    [Fact]
    public void A_join_gets_exactly_the_role_its_token_grants()
    {
        var tokens = JoinTokens.Create();
        var issuer = new CertificateIssuer(_ca, _clock);
        var csr = NodeKey.CreateSigningRequestPem(NodeKey.Create());
        var workerToken = tokens.Token(NodeRole.Worker, _ca.Digest).ToString();
        var managerToken = tokens.Token(NodeRole.Manager, _ca.Digest).ToString();

        var worker = issuer.IssueForJoin(tokens, workerToken, "w1", NodeRole.Worker, csr);
        var manager = issuer.IssueForJoin(tokens, managerToken, "m1", NodeRole.Manager, csr);
        var refused = Assert.Throws<JoinTokenException>(() => issuer.IssueForJoin(tokens, workerToken, "w2", NodeRole.Manager, csr));

        Assert.Equal(new NodeIdentity("c1", "w1", NodeRole.Worker), NodeIdentity.FromCertificate(worker));
        Assert.Equal(new NodeIdentity("c1", "m1", NodeRole.Manager), NodeIdentity.FromCertificate(manager));
        Assert.Equal("the token grants role worker, not manager; ask a manager for the manager token with `ck cluster join-token manager`", refused.Message);
    }

    [Fact]
    public void A_join_with_a_wrong_token_issues_nothing()
    {
        var tokens = JoinTokens.Create();
        var other = JoinTokens.Create();
        var csr = NodeKey.CreateSigningRequestPem(NodeKey.Create());

        var error = Assert.Throws<JoinTokenException>(() =>
            new CertificateIssuer(_ca, _clock).IssueForJoin(tokens, other.Token(NodeRole.Worker, _ca.Digest).ToString(), "w1", NodeRole.Worker, csr));

        Assert.StartsWith("the token's secret is neither this cluster's worker nor its manager secret", error.Message, StringComparison.Ordinal);
    }
}
