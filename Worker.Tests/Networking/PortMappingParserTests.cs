using System.Net;

namespace ClusterKit.Worker.Networking.Tests;

public sealed class PortMappingParserTests
{
    public static TheoryData<string, string[]> ValidMappings => new()
    {
        { "8080:80", ["8080->80/tcp"] },
        { "80", ["80->80/tcp"] },
        { "53:53/udp", ["53->53/udp"] },
        { "5000:5000/UDP", ["5000->5000/udp"] },
        { "9000:9000/sctp", ["9000->9000/sctp"] },
        { "127.0.0.1:8080:80", ["127.0.0.1:8080->80/tcp"] },
        { "0.0.0.0:8080:80", ["8080->80/tcp"] },
        { "192.168.1.5:443:8443/tcp", ["192.168.1.5:443->8443/tcp"] },
        { "127.0.0.1::80", ["127.0.0.1:80->80/tcp"] },
        { "8000-8002:9000-9002", ["8000->9000/tcp", "8001->9001/tcp", "8002->9002/tcp"] },
        { "10.0.0.1:7000-7001:7000-7001/udp", ["10.0.0.1:7000->7000/udp", "10.0.0.1:7001->7001/udp"] },
    };

    public static TheoryData<string, string> InvalidMappings => new()
    {
        { "80:x", "container port 'x' is not a number from 1 to 65535" },
        { "x:80", "host port 'x' is not a number from 1 to 65535" },
        { "0:80", "host port '0' is not a number from 1 to 65535" },
        { "70000:80", "host port '70000' is not a number from 1 to 65535" },
        { "80:80/icmp", "protocol 'icmp' is not tcp, udp or sctp" },
        { "8000-8002:80-81", "host and container port ranges differ in length" },
        { "9000-8000:80", "host port range 9000-8000 runs backwards" },
        { "300.1.1.1:80:80", "'300.1.1.1' is not an IP address" },
        { "[::1]:8080:80", "host address '::1' is IPv6; the bridge network publishes on IPv4 addresses only" },
        { "", "container port '' is not a number from 1 to 65535" },
    };

    [Theory]
    [MemberData(nameof(ValidMappings))]
    public void Parses_valid_mappings(string text, string[] expected)
    {
        var mappings = PortMappingParser.Parse(text);

        Assert.Equal(expected, mappings.Select(m => m.ToString()));
    }

    [Theory]
    [MemberData(nameof(InvalidMappings))]
    public void Rejects_invalid_mappings_naming_the_mapping_and_the_reason(string text, string reason)
    {
        var error = Assert.Throws<NetworkingException>(() => PortMappingParser.Parse(text));

        Assert.StartsWith($"invalid port mapping '{text}': {reason}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Typed_fields_carry_address_ports_and_protocol()
    {
        var mapping = Assert.Single(PortMappingParser.Parse("127.0.0.1:5353:53/udp"));

        Assert.Equal(new PortMapping(IPAddress.Loopback, 5353, 53, TransportProtocol.Udp), mapping);
    }

    [Fact]
    public void Parse_all_concatenates_several_flags()
    {
        Assert.Equal(3, PortMappingParser.ParseAll(["80:80", "443:443", "53:53/udp"]).Count);
    }
}
