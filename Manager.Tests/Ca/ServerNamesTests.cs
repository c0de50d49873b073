using System.Net;
using System.Security.Cryptography.X509Certificates;
using ClusterKit.Manager.Ca;
using ClusterKit.Shared.Identity;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Manager.Tests.Ca;

public sealed class ServerNamesTests
{
    [Fact]
    public void A_manager_certificate_names_its_API_host_so_that_name_checking_clients_accept_it()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var ca = RootCa.Create("c1", clock);
        using var key = NodeKey.Create();

        var certificate = new CertificateIssuer(ca, clock).Issue(new NodeIdentity("c1", "m1", NodeRole.Manager), NodeKey.CreateSigningRequestPem(key), "10.1.2.3:4243");
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();

        Assert.Equal([IPAddress.Parse("10.1.2.3")], names.EnumerateIPAddresses());
        Assert.Empty(new CertificateIssuer(ca, clock).Issue(new NodeIdentity("c1", "w1", NodeRole.Worker), NodeKey.CreateSigningRequestPem(key)).Extensions.OfType<X509SubjectAlternativeNameExtension>());
    }

    [Theory]
    [InlineData("[::1]:4243", "::1", null)]
    [InlineData("manager-1.lab:4243", null, "manager-1.lab")]
    [InlineData("manager-1", null, "manager-1")]
    public void IPv6_and_DNS_hosts_are_named_too(string address, string? ip, string? dns)
    {
        var extension = ServerNames.Of(address);
        Assert.NotNull(extension);
        var names = new X509SubjectAlternativeNameExtension(extension.RawData);

        Assert.Equal(ip is null ? [] : [IPAddress.Parse(ip)], names.EnumerateIPAddresses());
        Assert.Equal(dns is null ? [] : [dns], names.EnumerateDnsNames());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0.0.0.0:4243")]
    [InlineData("[::]:4243")]
    [InlineData("bad host!:4243")]
    public void No_name_for_a_wildcard_a_missing_or_a_malformed_address(string? address) =>
        Assert.Null(ServerNames.Of(address));
}
