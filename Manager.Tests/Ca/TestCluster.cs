using System.Security.Cryptography;
using ClusterKit.Manager.Ca;
using ClusterKit.Shared.Identity;

namespace ClusterKit.Manager.Tests.Ca;

/// <summary>A cluster's CA for tests: nodes get their certificates the real way (own key, CSR, issuer).</summary>
internal sealed class TestCluster
{
    public TestCluster(TimeProvider? caCreatedAt = null)
    {
        ClusterId = "ckt-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        Ca = RootCa.Create(ClusterId, caCreatedAt ?? TimeProvider.System);
    }

    public string ClusterId { get; }

    public RootCa Ca { get; }

    public TrustBundle Trust => TrustBundle.Of(Ca.Certificate);

    public NodeCredentials Node(string nodeId, NodeRole role, TimeProvider? issuedAt = null, RootCa? signer = null, TrustBundle? trust = null)
    {
        // The key stays with the returned certificate; the manager only ever sees the request.
        var key = NodeKey.Create();
        var issuer = new CertificateIssuer(signer ?? Ca, issuedAt ?? TimeProvider.System);
        var issued = issuer.Issue(new NodeIdentity(ClusterId, nodeId, role), NodeKey.CreateSigningRequestPem(key));
        return new NodeCredentials(NodeKey.WithCertificate(key, issued.ExportCertificatePem()), trust ?? Trust);
    }
}

/// <summary>Reproducible "randomness" for token tests.</summary>
internal sealed class SeededRandomNumberGenerator(int seed) : RandomNumberGenerator
{
    private readonly Random _random = new(seed);

    public override void GetBytes(byte[] data) => _random.NextBytes(data);

    public override void GetBytes(Span<byte> data) => _random.NextBytes(data);
}
