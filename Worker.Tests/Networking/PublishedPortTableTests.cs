using System.Net;

namespace ClusterKit.Worker.Networking.Tests;

public sealed class PublishedPortTableTests
{
    private const string WebId = "abc123def4567890";
    private const string ApiId = "0123456789abcdef";

    private readonly PublishedPortTable _table = new();

    public PublishedPortTableTests()
    {
        _table.Set(new ContainerEndpoint(WebId, "web", IPAddress.Parse("10.88.0.2"), PortMappingParser.ParseAll(["8080:80", "127.0.0.1:9000:9000", "53:53/udp"])));
    }

    [Theory]
    [InlineData("8080:3000", "port 8080/tcp is already published by container web (abc123def456)")]
    [InlineData("10.1.2.3:8080:3000", "port 8080/tcp is already published by container web (abc123def456)")]
    [InlineData("9000:9000", "port 9000/tcp is already published by container web (abc123def456)")]
    [InlineData("127.0.0.1:9000:80", "port 9000/tcp is already published by container web (abc123def456)")]
    [InlineData("53:5353/udp", "port 53/udp is already published by container web (abc123def456)")]
    public void Refuses_a_port_another_container_publishes(string mapping, string message)
    {
        var error = Assert.Throws<NetworkingException>(() => _table.EnsureFree(ApiId, PortMappingParser.Parse(mapping)));

        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData("8080:80/udp")]
    [InlineData("10.1.2.3:9000:9000")]
    [InlineData("53:53/tcp")]
    [InlineData("8081:80")]
    public void Allows_other_protocols_ports_and_disjoint_addresses(string mapping)
    {
        _table.Set(new ContainerEndpoint(ApiId, "api", IPAddress.Parse("10.88.0.3"), PortMappingParser.Parse(mapping)));

        Assert.Equal(2, _table.Endpoints.Count());
    }

    [Fact]
    public void Refuses_the_same_port_twice_in_one_request()
    {
        var error = Assert.Throws<NetworkingException>(() => _table.EnsureFree(ApiId, PortMappingParser.ParseAll(["7000:80", "7000:81"])));

        Assert.Equal("port 7000/tcp is published twice by container 0123456789ab (7000->80/tcp and 7000->81/tcp)", error.Message);
    }

    [Fact]
    public void A_container_does_not_clash_with_itself_and_frees_its_ports_on_removal()
    {
        _table.EnsureFree(WebId, PortMappingParser.Parse("8080:80"));

        Assert.True(_table.Remove(WebId));
        _table.EnsureFree(ApiId, PortMappingParser.Parse("8080:80"));
        Assert.False(_table.Contains(WebId));
    }
}
