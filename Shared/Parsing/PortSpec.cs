using System.Globalization;
using System.Net;

namespace ClusterKit.Shared.Parsing;

/// <summary>One published port: host address (or any), host port, container port, protocol.</summary>
public sealed record PublishedPort(string HostIp, int HostPort, int ContainerPort, string Protocol)
{
    public override string ToString() =>
        (HostIp.Length > 0 ? HostIp + ":" : string.Empty) + $"{HostPort}->{ContainerPort}/{Protocol}";
}

/// <summary>
/// Short port syntax as docker run -p and compose accept it: [IP:][HOST[-HOST]:]CTR[-CTR][/tcp|/udp].
/// A missing host port publishes on the same number.
/// </summary>
public static class PortSpec
{
    public static IReadOnlyList<PublishedPort> Parse(string text)
    {
        var spec = text.Trim();
        var protocol = "tcp";
        var slash = spec.LastIndexOf('/');
        if (slash >= 0)
        {
            protocol = spec[(slash + 1)..].ToLowerInvariant();
            spec = spec[..slash];
            if (protocol is not ("tcp" or "udp" or "sctp"))
            {
                throw Invalid(text, $"protocol '{protocol}' is not tcp, udp or sctp");
            }
        }

        var hostIp = string.Empty;
        string? hostPart = null;
        string containerPart;
        var lastColon = spec.LastIndexOf(':');
        if (lastColon < 0)
        {
            containerPart = spec;
        }
        else
        {
            containerPart = spec[(lastColon + 1)..];
            var rest = spec[..lastColon];
            var ipColon = rest.LastIndexOf(':');
            if (ipColon >= 0 || IPAddress.TryParse(rest.Trim('[', ']'), out _) && rest.Contains('.', StringComparison.Ordinal))
            {
                hostIp = ipColon >= 0 ? rest[..ipColon].Trim('[', ']') : rest;
                hostPart = ipColon >= 0 ? rest[(ipColon + 1)..] : null;
                if (!IPAddress.TryParse(hostIp, out _))
                {
                    throw Invalid(text, $"'{hostIp}' is not an IP address");
                }
            }
            else
            {
                hostPart = rest;
            }
        }

        var (ctrLow, ctrHigh) = ParseRange(containerPart, text, "container port");
        var (hostLow, hostHigh) = string.IsNullOrEmpty(hostPart) ? (ctrLow, ctrHigh) : ParseRange(hostPart, text, "host port");
        if (hostHigh - hostLow != ctrHigh - ctrLow)
        {
            throw Invalid(text, "host and container port ranges differ in length");
        }

        var ports = new List<PublishedPort>(ctrHigh - ctrLow + 1);
        for (var offset = 0; offset <= ctrHigh - ctrLow; offset++)
        {
            ports.Add(new PublishedPort(hostIp, hostLow + offset, ctrLow + offset, protocol));
        }

        return ports;
    }

    private static (int Low, int High) ParseRange(string text, string whole, string what)
    {
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        var low = ParsePort(dash < 0 ? text : text[..dash], whole, what);
        var high = dash < 0 ? low : ParsePort(text[(dash + 1)..], whole, what);
        if (high < low)
        {
            throw Invalid(whole, $"{what} range {text} runs backwards");
        }

        return (low, high);
    }

    private static int ParsePort(string text, string whole, string what)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw Invalid(whole, $"{what} '{text}' is not a number from 1 to 65535");
        }

        return port;
    }

    private static SpecFormatException Invalid(string text, string why) =>
        new($"invalid port mapping '{text}': {why}; use [IP:][HOST:]CONTAINER[/tcp|udp], e.g. 8080:80 or 53:53/udp");
}
