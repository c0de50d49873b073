using System.Globalization;

namespace ClusterKit.Worker.Session;

/// <summary>Parses the managers a worker is given: HOST:PORT[,HOST:PORT...].</summary>
public static class ManagerAddresses
{
    private const string Allowed = "allowed: HOST:PORT[,HOST:PORT...] with a host name, an IPv4 address or [IPv6] and a port from 1 to 65535, e.g. 10.0.0.1:4243";

    /// <summary>The distinct addresses in order; throws <see cref="ArgumentException"/> with a one-line message.</summary>
    public static IReadOnlyList<string> Parse(string option, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ArgumentException($"{option} is empty; {Allowed}");
        }

        var result = new List<string>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var address = Check(part) ?? throw new ArgumentException($"{option} '{part}' (in '{text}') is not HOST:PORT; {Allowed}");
            if (!result.Contains(address, StringComparer.OrdinalIgnoreCase))
            {
                result.Add(address);
            }
        }

        return result;
    }

    /// <summary>The address in canonical form, or null when it is not HOST:PORT.</summary>
    public static string? Check(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            return null;
        }

        var host = text[..colon];
        var portText = text[(colon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            return null;
        }

        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            return System.Net.IPAddress.TryParse(host[1..^1], out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                ? $"[{v6}]:{port}"
                : null;
        }

        var validHost = host.Length <= 253
            && !host.Contains(':', StringComparison.Ordinal)
            && host.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_')
            && char.IsAsciiLetterOrDigit(host[0]);
        return validHost ? $"{host}:{port}" : null;
    }
}
