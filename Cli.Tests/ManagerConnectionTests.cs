using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using ClusterKit.Cli.Control;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Identity;
using Microsoft.Extensions.Time.Testing;
using IdentityRole = ClusterKit.Shared.Identity.NodeRole;

namespace ClusterKit.Cli.Tests;

public sealed class ManagerConnectionTests
{
    /// <summary>A real TLS handshake checks certificates against the system clock: both ends use it.</summary>
    private static readonly TimeProvider Clock = TimeProvider.System;

    [Fact]
    public async Task No_manager_socket_says_so_in_one_line_naming_the_socket_and_the_way_out()
    {
        using var directory = new TempDirectory();
        var socket = Path.Combine(directory.Path, "manager.sock");
        using var manager = ManagerConnection.ForSocket(socket);

        var error = await Assert.ThrowsAsync<ClusterCommandException>(() => manager.CallAsync(c => manager.Nodes.ListAsync(new ListNodesRequest(), c), CancellationToken.None));

        Assert.StartsWith($"no manager on this host: nothing answers on {socket} (no such socket)", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("start ck-manager or give --host HOST:PORT (or --manager-socket PATH)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_manager_that_never_answers_hits_the_deadline_with_a_one_line_error()
    {
        using var directory = new TempDirectory();
        var path = Path.Combine(directory.Path, "manager.sock");
        using var listener = SilentManager(path, out var accepted);
        using var manager = ManagerConnection.ForSocket(path);

        var error = await Assert.ThrowsAsync<ClusterCommandException>(() => manager.CallAsync(c => manager.Nodes.RemoveAsync(new RemoveNodeRequest { Node = "n1" }, c), CancellationToken.None, TimeSpan.FromMilliseconds(300)));

        Assert.StartsWith($"the local manager socket {path} did not answer within 300 ms: the cluster may have lost quorum", error.Message, StringComparison.Ordinal);

        // On a loaded machine the 300 ms can run out before ck even connects: then nothing was accepted, and waiting
        // for the accept would hang the test (it once did). Closing the listener ends the pending accept.
        if (accepted.IsCompletedSuccessfully)
        {
            (await accepted).Dispose();
        }
    }

    [Fact]
    public async Task The_deadline_bounds_the_whole_call_on_the_connections_clock()
    {
        using var directory = new TempDirectory();
        var path = Path.Combine(directory.Path, "manager.sock");
        using var listener = SilentManager(path, out var accepted);
        var clock = new FakeTimeProvider();
        using var manager = ManagerConnection.ForSocket(path, clock);

        // gRPC's own deadline (on the system clock) is an hour away: only ck's timer on the fake clock can end the call.
        var call = manager.CallAsync(c => manager.Nodes.RemoveAsync(new RemoveNodeRequest { Node = "n1" }, c), CancellationToken.None, TimeSpan.FromHours(1));
        using var silent = await accepted;
        Assert.False(call.IsCompleted);
        clock.Advance(TimeSpan.FromHours(1));

        var error = await Assert.ThrowsAsync<ClusterCommandException>(() => call.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.StartsWith($"the local manager socket {path} did not answer within 3600 s: the cluster may have lost quorum", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_certificate_from_another_ca_is_refused_with_the_validators_reason()
    {
        using var ours = TestCertificates.Root("cluster1", Clock);
        using var foreign = TestCertificates.Root("cluster2", Clock);
        using var impostor = TestCertificates.Node(foreign, new NodeIdentity("cluster1", "m1", IdentityRole.Manager), Clock);
        await using var server = new TlsStubServer(impostor);
        using var manager = ManagerConnection.ForHost(server.Address, Admin(ours), Clock);

        var error = await Assert.ThrowsAsync<ClusterCommandException>(() => manager.CallAsync(c => manager.Nodes.ListAsync(new ListNodesRequest(), c), CancellationToken.None));

        Assert.StartsWith($"refused the TLS handshake with {server.Address}: its certificate is not a manager certificate of your cluster: certificate of node m1 was issued by another CA", error.Message, StringComparison.Ordinal);
        Assert.EndsWith($"(issuer '{foreign.Subject}'), this cluster's CA is {CertificateDigest.Of(ours)}", error.Message, StringComparison.Ordinal);
        Assert.Null(manager.AnsweringNodeId);
    }

    [Fact]
    public async Task A_worker_certificate_of_our_ca_is_not_a_manager()
    {
        using var ours = TestCertificates.Root("cluster1", Clock);
        using var worker = TestCertificates.Node(ours, new NodeIdentity("cluster1", "w1", IdentityRole.Worker), Clock);
        await using var server = new TlsStubServer(worker);
        using var manager = ManagerConnection.ForHost(server.Address, Admin(ours), Clock);

        var error = await Assert.ThrowsAsync<ClusterCommandException>(() => manager.CallAsync(c => manager.Cluster.InspectAsync(new InspectClusterRequest(), c), CancellationToken.None));

        Assert.Contains("role worker is not allowed here (node w1; allowed: manager)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_accepted_manager_is_remembered_as_the_answering_node()
    {
        using var ours = TestCertificates.Root("cluster1", Clock);
        using var managerCertificate = TestCertificates.Node(ours, new NodeIdentity("cluster1", "m7", IdentityRole.Manager), Clock);
        await using var server = new TlsStubServer(managerCertificate);
        using var manager = ManagerConnection.ForHost(server.Address, Admin(ours), Clock);

        // The stub speaks TLS only, so the call fails after the handshake; the handshake is what this test is about.
        var error = await Assert.ThrowsAsync<ClusterCommandException>(() => manager.CallAsync(c => manager.Nodes.ListAsync(new ListNodesRequest(), c), CancellationToken.None));

        Assert.Equal("m7", manager.AnsweringNodeId);
        Assert.StartsWith($"the manager at {server.Address} (m7) closed the connection after the TLS handshake: it did not accept ck's admin certificate", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, server.Handshakes);
    }

    /// <summary>A socket at <paramref name="path"/> that accepts and then stays silent, as a manager waiting for a leader that never comes.</summary>
    private static Socket SilentManager(string path, out Task<Socket> accepted)
    {
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen();
        accepted = listener.AcceptAsync();
        return listener;
    }

    private static NodeCredentials Admin(X509Certificate2 root)
    {
        var admin = TestCertificates.Node(root, new NodeIdentity("cluster1", "admin-1", IdentityRole.Admin), Clock);
        return new NodeCredentials(admin, TrustBundle.Of(root));
    }

    /// <summary>A loopback TLS 1.3 endpoint presenting a given certificate, then closing: enough to test ck's side of the handshake.</summary>
    private sealed class TlsStubServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private int _handshakes;

        public TlsStubServer(X509Certificate2 certificate)
        {
            _listener.Start();
            Address = $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
            _loop = ServeAsync(certificate);
        }

        public string Address { get; }

        public int Handshakes => Volatile.Read(ref _handshakes);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }

            _stop.Dispose();
        }

        private async Task ServeAsync(X509Certificate2 certificate)
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                await using var tls = new SslStream(client.GetStream());
                try
                {
                    await tls.AuthenticateAsServerAsync(
                        new SslServerAuthenticationOptions
                        {
                            ServerCertificate = certificate,
                            EnabledSslProtocols = SslProtocols.Tls13,
                            ClientCertificateRequired = false,
                            ApplicationProtocols = [SslApplicationProtocol.Http2],
                        },
                        _stop.Token);
                    Interlocked.Increment(ref _handshakes);
                }
                catch (Exception e) when (e is AuthenticationException or IOException)
                {
                    // ck refused the certificate: the alert ends the handshake here.
                }
            }
        }
    }
}
