using System.Collections.Concurrent;
using System.Security.Authentication;
using ClusterKit.Manager.Ca;
using ClusterKit.Shared.Identity;

namespace ClusterKit.Manager.Tests.Ca;

/// <summary>The join path end to end, over loopback TLS: pin check, join connection without a client certificate, CSR, then mutual TLS.</summary>
public sealed class JoinFlowTests
{
    private static readonly NodeRole[] Managers = [NodeRole.Manager];
    private static readonly NodeRole[] Anyone = [NodeRole.Manager, NodeRole.Worker, NodeRole.Admin];

    private readonly TestCluster _cluster = new();

    [Fact]
    public async Task A_worker_joins_with_its_token_and_then_talks_mutual_TLS()
    {
        var manager = new TlsNode(_cluster.Node("m1", NodeRole.Manager));
        var tokens = JoinTokens.Create();
        var token = JoinToken.Parse(tokens.Token(NodeRole.Worker, _cluster.Ca.Digest).ToString());

        // 1. The joiner was sent the CA certificate over a connection it does not trust yet; the token's pin decides.
        var sentCa = _cluster.Ca.PublicCertificate();
        token.VerifyCaCertificate(sentCa, "127.0.0.1:4242");

        // 2. The join call: the manager must prove itself with a certificate from the pinned root; the joiner has none yet.
        var refusals = new ConcurrentQueue<string>();
        var join = await LoopbackTls.ConnectAsync(
            manager.Factory.CreateServerOptions(Anyone, requireClientCertificate: false),
            TlsOptionsFactory.CreateJoinClientOptions(sentCa, TimeProvider.System, r => refusals.Enqueue(r.Reason!)));
        Assert.True(join.Connected, $"{join.ServerError} / {join.ClientError} / {string.Join("; ", refusals)}");
        Assert.Null(join.ServerSawClient);
        Assert.Equal(NodeRole.Manager, join.ClientSawServer?.Role);

        // 3. The joiner's own key; only the request travels. The manager issues for the role the token grants.
        using var key = NodeKey.Create();
        var issued = new CertificateIssuer(_cluster.Ca, TimeProvider.System).IssueForJoin(tokens, token.ToString(), "w7", NodeRole.Worker, NodeKey.CreateSigningRequestPem(key));
        var worker = new TlsNode(new NodeCredentials(NodeKey.WithCertificate(key, issued.ExportCertificatePem()), TrustBundle.Of(sentCa)));

        // 4. From now on: mutual TLS with the new certificate.
        var session = await LoopbackTls.ConnectAsync(manager.Factory.CreateServerOptions([NodeRole.Worker]), worker.Factory.CreateClientOptions(Managers));
        Assert.True(session.Connected, string.Join("; ", manager.Refusals));
        Assert.Equal(new NodeIdentity(_cluster.ClusterId, "w7", NodeRole.Worker), session.ServerSawClient);
    }

    [Fact]
    public async Task A_joiner_refuses_a_manager_whose_certificate_is_not_from_the_pinned_root()
    {
        var impostorCluster = new TestCluster();
        var impostor = new TlsNode(impostorCluster.Node("m1", NodeRole.Manager));
        var refusals = new ConcurrentQueue<string>();

        var join = await LoopbackTls.ConnectAsync(
            impostor.Factory.CreateServerOptions(Anyone, requireClientCertificate: false),
            TlsOptionsFactory.CreateJoinClientOptions(_cluster.Ca.PublicCertificate(), TimeProvider.System, r => refusals.Enqueue(r.Reason!)));

        Assert.False(join.Connected);
        Assert.StartsWith("certificate of node m1 was issued by another CA", Assert.Single(refusals), StringComparison.Ordinal);
    }

    [Fact]
    public void A_CA_certificate_that_the_token_does_not_pin_is_refused_before_anything_is_sent()
    {
        var token = JoinTokens.Create().Token(NodeRole.Worker, _cluster.Ca.Digest);
        var other = new TestCluster().Ca.PublicCertificate();

        var error = Assert.Throws<AuthenticationException>(() => token.VerifyCaCertificate(other, "10.0.0.9:4242"));

        Assert.StartsWith($"the CA certificate sent by 10.0.0.9:4242 has digest {CertificateDigest.Of(other)}, but the join token pins {_cluster.Ca.Digest}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_join_endpoint_still_checks_a_client_certificate_when_one_is_presented()
    {
        var manager = new TlsNode(_cluster.Node("m1", NodeRole.Manager));
        var stranger = new TlsNode(new TestCluster().Node("x1", NodeRole.Worker, trust: _cluster.Trust));

        var outcome = await LoopbackTls.ConnectAsync(manager.Factory.CreateServerOptions(Anyone, requireClientCertificate: false), stranger.Factory.CreateClientOptions(Managers));

        Assert.False(outcome.Connected);
        Assert.StartsWith("certificate of node x1 was issued by another CA", Assert.Single(manager.Refusals), StringComparison.Ordinal);
    }
}
