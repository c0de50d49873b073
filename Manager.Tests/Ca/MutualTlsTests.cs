using System.Net.Security;
using System.Runtime.Versioning;
using ClusterKit.Manager.Ca;
using ClusterKit.Shared.Identity;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Manager.Tests.Ca;

/// <summary>Real TLS 1.3 handshakes over loopback between SslStreams set up by <see cref="TlsOptionsFactory"/>.</summary>
public sealed class MutualTlsTests
{
    private static readonly NodeRole[] Managers = [NodeRole.Manager];
    private static readonly NodeRole[] Nodes = [NodeRole.Manager, NodeRole.Worker];

    private readonly TestCluster _cluster = new(new FakeTimeProvider(DateTimeOffset.UtcNow.AddYears(-1)));

    [Fact]
    public async Task Node_certificates_from_the_cluster_CA_are_accepted_both_ways()
    {
        var manager = new TlsNode(_cluster.Node("m1", NodeRole.Manager));
        var worker = new TlsNode(_cluster.Node("w1", NodeRole.Worker));

        var outcome = await LoopbackTls.ConnectAsync(manager.Factory.CreateServerOptions(Nodes), worker.Factory.CreateClientOptions(Managers));

        Assert.True(outcome.Connected, $"{outcome.ServerError} / {outcome.ClientError} / {string.Join("; ", manager.Refusals.Concat(worker.Refusals))}");
        Assert.Equal(new NodeIdentity(_cluster.ClusterId, "w1", NodeRole.Worker), outcome.ServerSawClient);
        Assert.Equal(new NodeIdentity(_cluster.ClusterId, "m1", NodeRole.Manager), outcome.ClientSawServer);
        Assert.Empty(manager.Refusals);
        Assert.Empty(worker.Refusals);
    }

    [Theory]
    [InlineData(true, TlsCipherSuite.TLS_AES_128_GCM_SHA256)]
    [InlineData(false, TlsCipherSuite.TLS_AES_256_GCM_SHA384)]
    [SupportedOSPlatform("linux")]
    public async Task The_server_picks_AES_128_GCM_even_for_a_client_that_lists_AES_256_first(bool serverOrder, TlsCipherSuite expected)
    {
        var manager = new TlsNode(_cluster.Node("m1", NodeRole.Manager));
        var worker = new TlsNode(_cluster.Node("w1", NodeRole.Worker));
        var server = manager.Factory.CreateServerOptions(Nodes);
        server.CipherSuitesPolicy = serverOrder ? server.CipherSuitesPolicy : null;
        var client = worker.Factory.CreateClientOptions(Managers);
        client.CipherSuitesPolicy = new CipherSuitesPolicy([TlsCipherSuite.TLS_AES_256_GCM_SHA384, TlsCipherSuite.TLS_AES_128_GCM_SHA256]);

        var outcome = await LoopbackTls.ConnectAsync(server, client);

        Assert.True(outcome.Connected, outcome.ServerError ?? outcome.ClientError);
        Assert.Equal(expected, outcome.Cipher);
    }

    [Fact]
    public async Task Credentials_saved_to_files_and_loaded_back_handshake()
    {
        using var directory = new ClusterKit.TestKit.TempDirectory("ckt-ca");
        var managerFiles = new CertificateFiles(directory.Combine("m1"));
        var workerFiles = new CertificateFiles(directory.Combine("w1"));
        managerFiles.Save(_cluster.Node("m1", NodeRole.Manager));
        workerFiles.Save(_cluster.Node("w1", NodeRole.Worker));
        var manager = new TlsNode(managerFiles.Load());
        var worker = new TlsNode(workerFiles.Load());

        var outcome = await LoopbackTls.ConnectAsync(manager.Factory.CreateServerOptions(Nodes), worker.Factory.CreateClientOptions(Managers));

        Assert.True(outcome.Connected, $"{outcome.ServerError} / {outcome.ClientError} / {string.Join("; ", manager.Refusals.Concat(worker.Refusals))}");
        Assert.Equal("w1", outcome.ServerSawClient?.NodeId);
        Assert.Equal("m1", outcome.ClientSawServer?.NodeId);
    }

    [Fact]
    public async Task A_client_certificate_from_another_CA_is_refused_with_the_reason()
    {
        var other = new TestCluster();
        var manager = new TlsNode(_cluster.Node("m1", NodeRole.Manager));
        // Same cluster id and trust in our CA, but its certificate comes from a stranger's root.
        var intruder = new TlsNode(new NodeCredentials(
            _cluster.Node("m2", NodeRole.Manager, signer: RootCa.Create(_cluster.ClusterId, TimeProvider.System)).Certificate,
            _cluster.Trust));
        var foreign = new TlsNode(other.Node("m3", NodeRole.Manager, trust: TrustBundle.Of(other.Ca.Certificate, _cluster.Ca.Certificate)));

        var first = await LoopbackTls.ConnectAsync(manager.Factory.CreateServerOptions(Managers), intruder.Factory.CreateClientOptions(Managers));
        var second = await LoopbackTls.ConnectAsync(manager.Factory.CreateServerOptions(Managers), foreign.Factory.CreateClientOptions(Managers));

        Assert.False(first.Connected);
        Assert.False(second.Connected);
        Assert.Null(first.ServerSawClient);
        Assert.Collection(
            manager.Refusals,
            r => Assert.StartsWith("certificate of node m2 was issued by another CA (", r, StringComparison.Ordinal),
            r => Assert.StartsWith("certificate of node m3 was issued by another CA (", r, StringComparison.Ordinal));
        Assert.All(manager.Refusals, r => Assert.EndsWith($"this cluster's CA is {_cluster.Ca.Digest}", r, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_server_certificate_from_another_CA_is_refused_by_the_client()
    {
        var other = new TestCluster();
        var impostor = new TlsNode(new NodeCredentials(other.Node("m1", NodeRole.Manager).Certificate, _cluster.Trust));
        var worker = new TlsNode(_cluster.Node("w1", NodeRole.Worker));

        var outcome = await LoopbackTls.ConnectAsync(impostor.Factory.CreateServerOptions(Nodes), worker.Factory.CreateClientOptions(Managers));

        Assert.False(outcome.Connected);
        Assert.NotNull(outcome.ClientError);
        var reason = Assert.Single(worker.Refusals);
        Assert.StartsWith("certificate of node m1 was issued by another CA", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_certificate_is_refused()
    {
        var issuedAt = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(-100));
        var manager = new TlsNode(_cluster.Node("m1", NodeRole.Manager));
        var stale = new TlsNode(_cluster.Node("w9", NodeRole.Worker, issuedAt));

        var outcome = await LoopbackTls.ConnectAsync(manager.Factory.CreateServerOptions(Nodes), stale.Factory.CreateClientOptions(Managers));

        Assert.False(outcome.Connected);
        var reason = Assert.Single(manager.Refusals);
        var expiredAt = stale.Holder.Current.Certificate.NotAfter.ToUniversalTime();
        Assert.StartsWith($"certificate of node w9 expired at {expiredAt:yyyy-MM-dd HH:mm:ss}Z", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_worker_is_refused_where_only_managers_are_allowed()
    {
        var manager = new TlsNode(_cluster.Node("m1", NodeRole.Manager));
        var worker = new TlsNode(_cluster.Node("w1", NodeRole.Worker));
        var peer = new TlsNode(_cluster.Node("m2", NodeRole.Manager));

        var refused = await LoopbackTls.ConnectAsync(manager.Factory.CreateServerOptions(Managers), worker.Factory.CreateClientOptions(Managers));
        var accepted = await LoopbackTls.ConnectAsync(manager.Factory.CreateServerOptions(Managers), peer.Factory.CreateClientOptions(Managers));

        Assert.False(refused.Connected);
        Assert.True(accepted.Connected, accepted.ServerError);
        Assert.Equal("role worker is not allowed here (node w1; allowed: manager)", Assert.Single(manager.Refusals));
    }

    [Fact]
    public async Task During_a_CA_rotation_old_and_new_certificates_connect_and_after_the_old_root_is_dropped_the_old_one_is_refused()
    {
        var stable = CaRotation.Stable(_cluster.Ca);
        var rotating = stable.Start(RootCa.Create(_cluster.ClusterId, TimeProvider.System), ["m1", "w-old", "w-new"]);
        // The manager moved first: new-root certificate, both roots trusted.
        var manager = new TlsNode(_cluster.Node("m1", NodeRole.Manager, signer: rotating.SigningRoot, trust: rotating.Trust));
        rotating = rotating.CertificateIssued("m1", rotating.SigningRoot.Digest);
        var oldNode = new TlsNode(_cluster.Node("w-old", NodeRole.Worker, trust: rotating.Trust));
        var newNode = new TlsNode(_cluster.Node("w-new", NodeRole.Worker, signer: rotating.SigningRoot, trust: rotating.Trust));
        rotating = rotating.CertificateIssued("w-new", rotating.SigningRoot.Digest);

        var oldDuring = await LoopbackTls.ConnectAsync(manager.Factory.CreateServerOptions(Nodes), oldNode.Factory.CreateClientOptions(Managers));
        var newDuring = await LoopbackTls.ConnectAsync(manager.Factory.CreateServerOptions(Nodes), newNode.Factory.CreateClientOptions(Managers));
        Assert.True(oldDuring.Connected, string.Join("; ", manager.Refusals));
        Assert.True(newDuring.Connected, string.Join("; ", manager.Refusals));

        // w-old leaves without moving; the rotation ends and the manager's bundle drops the old root.
        var done = rotating.NodeRemoved("w-old");
        Assert.Equal(CaRotationPhase.Stable, done.Phase);
        manager.Holder.Replace(new NodeCredentials(manager.Holder.Current.Certificate, done.Trust));

        var oldAfter = await LoopbackTls.ConnectAsync(manager.Factory.CreateServerOptions(Nodes), oldNode.Factory.CreateClientOptions(Managers));
        var newAfter = await LoopbackTls.ConnectAsync(manager.Factory.CreateServerOptions(Nodes), newNode.Factory.CreateClientOptions(Managers));
        Assert.False(oldAfter.Connected);
        Assert.True(newAfter.Connected, string.Join("; ", manager.Refusals));
        Assert.Equal(
            $"certificate of node w-old was issued by another CA (issuer '{_cluster.Ca.Certificate.Subject}'), this cluster's CA is {done.SigningRoot.Digest}",
            Assert.Single(manager.Refusals));
    }

    [Fact]
    public async Task Swapping_the_holders_certificates_takes_effect_on_the_next_handshake()
    {
        var manager = new TlsNode(_cluster.Node("m1", NodeRole.Manager));
        var node = new TlsNode(_cluster.Node("n1", NodeRole.Worker));
        var serverOptions = manager.Factory.CreateServerOptions(Managers);
        var clientOptions = node.Factory.CreateClientOptions(Managers);
        var before = await LoopbackTls.ConnectAsync(serverOptions, clientOptions);

        // The manager renews (new key, new certificate) and n1 is promoted: the same option objects, no restart.
        var renewedManager = _cluster.Node("m1", NodeRole.Manager);
        manager.Holder.Replace(renewedManager);
        node.Holder.Replace(_cluster.Node("n1", NodeRole.Manager));
        var serverSerials = new List<string>();
        var after = await LoopbackTls.ConnectAsync(serverOptions, WithServerCapture(clientOptions, serverSerials));

        Assert.False(before.Connected);
        Assert.Equal("role worker is not allowed here (node n1; allowed: manager)", Assert.Single(manager.Refusals));
        Assert.True(after.Connected, $"{after.ServerError} / {after.ClientError}");
        Assert.Equal(NodeRole.Manager, after.ServerSawClient?.Role);
        Assert.Equal([renewedManager.Certificate.SerialNumber], serverSerials);
    }

    [Fact]
    public async Task Per_connection_options_share_one_certificate_context_until_a_renewal_and_then_present_the_new_certificate()
    {
        var manager = new TlsNode(_cluster.Node("m1", NodeRole.Manager));
        var node = new TlsNode(_cluster.Node("n1", NodeRole.Manager));
        var first = manager.Factory.CreateConnectionServerOptions(Managers);
        var second = manager.Factory.CreateConnectionServerOptions(Managers);
        var before = await LoopbackTls.ConnectAsync(first, node.Factory.CreateClientOptions(Managers));

        var renewed = _cluster.Node("m1", NodeRole.Manager);
        manager.Holder.Replace(renewed);
        var serverSerials = new List<string>();
        var afterOptions = manager.Factory.CreateConnectionServerOptions(Managers);
        var after = await LoopbackTls.ConnectAsync(afterOptions, WithServerCapture(node.Factory.CreateClientOptions(Managers), serverSerials));

        Assert.True(before.Connected, $"{before.ServerError} / {before.ClientError}");
        Assert.Same(first.ServerCertificateContext, second.ServerCertificateContext);
        Assert.NotSame(first.ServerCertificateContext, afterOptions.ServerCertificateContext);
        Assert.True(after.Connected, $"{after.ServerError} / {after.ClientError}");
        Assert.Equal([renewed.Certificate.SerialNumber], serverSerials);
    }

    private static System.Net.Security.SslClientAuthenticationOptions WithServerCapture(System.Net.Security.SslClientAuthenticationOptions options, List<string> serials)
    {
        var validate = options.RemoteCertificateValidationCallback!;
        return new System.Net.Security.SslClientAuthenticationOptions
        {
            LocalCertificateSelectionCallback = options.LocalCertificateSelectionCallback,
            RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
            {
                serials.Add(certificate!.GetSerialNumberString());
                return validate(sender, certificate, chain, errors);
            },
            EnabledSslProtocols = options.EnabledSslProtocols,
            AllowTlsResume = false,
        };
    }
}
