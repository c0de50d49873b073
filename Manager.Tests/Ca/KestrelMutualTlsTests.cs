using System.Net;
using System.Security.Authentication;
using ClusterKit.Shared.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClusterKit.Manager.Tests.Ca;

/// <summary>Kestrel over HTTP/2 + mutual TLS, set up both ways the manager can (adapter options, or per-connection SslServerAuthenticationOptions).</summary>
public sealed class KestrelMutualTlsTests
{
    private static readonly NodeRole[] Managers = [NodeRole.Manager];

    private readonly TestCluster _cluster = new();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_HTTP2_GET_needs_a_manager_certificate_of_the_cluster(bool adapterOptions)
    {
        var server = new TlsNode(_cluster.Node("m1", NodeRole.Manager));
        await using var app = await StartAsync(server, adapterOptions);
        var url = Address(app) + "/whoami";
        var peer = new TlsNode(_cluster.Node("m2", NodeRole.Manager));
        var worker = new TlsNode(_cluster.Node("w1", NodeRole.Worker));

        using var peerClient = Client(peer);
        using var response = await peerClient.GetAsync(url);
        using var workerClient = Client(worker);
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => workerClient.GetStringAsync(url));

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal($"manager m2 of cluster {_cluster.ClusterId}", await response.Content.ReadAsStringAsync());
        Assert.Equal("role worker is not allowed here (node w1; allowed: manager)", Assert.Single(server.Refusals));
        Assert.Empty(peer.Refusals);
        Assert.NotNull(refused);
    }

    [Fact]
    public async Task A_renewed_server_certificate_is_presented_on_the_next_connection()
    {
        var server = new TlsNode(_cluster.Node("m1", NodeRole.Manager));
        await using var app = await StartAsync(server, adapterOptions: true);
        var url = Address(app) + "/whoami";
        var peer = new TlsNode(_cluster.Node("m2", NodeRole.Manager));
        var seen = new List<string>();
        var validator = new PeerCertificateValidator(_cluster.ClusterId, () => _cluster.Trust, TimeProvider.System);

        var renewed = _cluster.Node("m1", NodeRole.Manager);
        foreach (var step in new[] { "before", "after" })
        {
            if (step == "after")
            {
                server.Holder.Replace(renewed);
            }

            // A fresh handler per step: a new connection, as a pooled connection reaching its lifetime would make.
            using var handler = peer.Factory.CreateHttpHandler(Managers);
            var check = handler.SslOptions.RemoteCertificateValidationCallback!;
            handler.SslOptions.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
            {
                seen.Add(certificate!.GetSerialNumberString());
                return check(sender, certificate, chain, errors);
            };
            using var client = new HttpClient(handler) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
            Assert.Equal($"manager m2 of cluster {_cluster.ClusterId}", await client.GetStringAsync(url));
        }

        Assert.Equal(2, seen.Count);
        Assert.Equal(renewed.Certificate.SerialNumber, seen[1]);
        Assert.NotEqual(seen[0], seen[1]);
        Assert.True(validator.Validate(renewed.Certificate, Managers).IsAccepted);
    }

    private static HttpClient Client(TlsNode node) =>
        new(node.Factory.CreateHttpHandler(Managers))
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(20),
        };

    private static async Task<WebApplication> StartAsync(TlsNode server, bool adapterOptions)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            if (adapterOptions)
            {
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificateSelector = (_, _) => server.Factory.CurrentCertificate,
                    ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                    ClientCertificateValidation = server.Factory.ClientCertificateValidation(Managers),
                    SslProtocols = SslProtocols.Tls13,
                    CheckCertificateRevocation = false,
                });
            }
            else
            {
                listen.UseHttps(server.Factory.ServerOptionsCallback(Managers), state: null!);
            }
        }));
        var app = builder.Build();
        app.MapGet("/whoami", (HttpContext context) => NodeIdentity.FromCertificate(context.Connection.ClientCertificate!).ToString());
        await app.StartAsync();
        return app;
    }

    private static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
}
