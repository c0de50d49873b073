using System.Net;
using System.Net.Sockets;
using ClusterKit.Shared.Parsing;

namespace ClusterKit.Worker.Networking;

/// <summary>
/// Turns `-p [HOST_IP:]HOST_PORT:CTR_PORT[/tcp|udp]` (ranges expand pairwise) into typed
/// mappings the bridge can publish. The syntax itself is <see cref="PortSpec"/>'s, shared with
/// the CLI and stack files; this adds what the IPv4 bridge can and cannot do.
/// </summary>
public static class PortMappingParser
{
    public static IReadOnlyList<PortMapping> Parse(string text)
    {
        IReadOnlyList<PublishedPort> ports;
        try
        {
            ports = PortSpec.Parse(text);
        }
        catch (SpecFormatException error)
        {
            throw new NetworkingException(error.Message, error);
        }

        return [.. ports.Select(port => FromPublishedPort(port, text))];
    }

    public static IReadOnlyList<PortMapping> ParseAll(IEnumerable<string> texts) => [.. texts.SelectMany(Parse)];

    /// <summary>Checks one mapping as the daemon stores it (empty host address = any).</summary>
    public static PortMapping FromPublishedPort(PublishedPort port, string? source = null)
    {
        var text = source ?? port.ToString();
        var protocol = port.Protocol.ToLowerInvariant() switch
        {
            "tcp" => TransportProtocol.Tcp,
            "udp" => TransportProtocol.Udp,
            "sctp" => TransportProtocol.Sctp,
            _ => throw Invalid(text, $"protocol '{port.Protocol}' is not tcp, udp or sctp"),
        };
        CheckPort(port.HostPort, "host port", text);
        CheckPort(port.ContainerPort, "container port", text);

        IPAddress? hostAddress = null;
        if (port.HostIp.Length > 0)
        {
            if (!IPAddress.TryParse(port.HostIp, out hostAddress))
            {
                throw Invalid(text, $"host address '{port.HostIp}' is not an IP address");
            }

            if (hostAddress.AddressFamily != AddressFamily.InterNetwork)
            {
                throw Invalid(text, $"host address '{port.HostIp}' is IPv6; the bridge network publishes on IPv4 addresses only");
            }

            // 0.0.0.0 means every address, as it does for bind(2).
            if (hostAddress.Equals(IPAddress.Any))
            {
                hostAddress = null;
            }
        }

        return new PortMapping(hostAddress, port.HostPort, port.ContainerPort, protocol);
    }

    /// <summary>
    /// Checks a mapping built elsewhere (the daemon's records, the API) as <see cref="Parse"/>
    /// would: ports 1-65535, an IPv4 host address or none; 0.0.0.0 becomes none.
    /// </summary>
    public static PortMapping Normalize(PortMapping port)
    {
        var text = port.ToString();
        CheckPort(port.HostPort, "host port", text);
        CheckPort(port.ContainerPort, "container port", text);
        if (port.HostAddress is null)
        {
            return port;
        }

        if (port.HostAddress.AddressFamily != AddressFamily.InterNetwork)
        {
            throw Invalid(text, $"host address '{port.HostAddress}' is IPv6; the bridge network publishes on IPv4 addresses only");
        }

        return port.HostAddress.Equals(IPAddress.Any) ? port with { HostAddress = null } : port;
    }

    private static void CheckPort(int port, string what, string text)
    {
        if (port is < 1 or > 65535)
        {
            throw Invalid(text, $"{what} '{port}' is not a number from 1 to 65535");
        }
    }

    private static NetworkingException Invalid(string text, string why) =>
        new($"invalid port mapping '{text}': {why}");
}
