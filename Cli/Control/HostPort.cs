using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace ClusterKit.Cli.Control;

/// <summary>A manager address (API or Raft) as operators write it: HOST:PORT, with [IPv6]:PORT for IPv6 literals.</summary>
internal static class HostPort
{
    private const string Allowed = "allowed: HOST:PORT (a host name, an IPv4 address or [IPv6]), port 1-65535, e.g. 10.0.0.1:4243";

    /// <summary>The address unchanged when it is valid; otherwise a one-line error naming <paramref name="what"/> and the value.</summary>
    public static bool TryParse(string? text, string what, [NotNullWhen(true)] out string? address, [NotNullWhen(false)] out string? error)
    {
        address = null;
        var value = text?.Trim() ?? string.Empty;
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || colon == value.Length - 1)
        {
            error = $"{what} '{value}' has no port; {Allowed}";
            return false;
        }

        var host = value[..colon];
        var portText = value[(colon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            error = $"{what} '{value}' has port '{portText}'; {Allowed}";
            return false;
        }

        if (host.StartsWith('['))
        {
            if (!host.EndsWith(']') || !IPAddress.TryParse(host[1..^1], out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                error = $"{what} '{value}' has host '{host}', which is not a bracketed IPv6 address; {Allowed}";
                return false;
            }
        }
        else if (host.Contains(':', StringComparison.Ordinal))
        {
            error = $"{what} '{value}' has an IPv6 address without brackets; {Allowed}";
            return false;
        }
        else if (Uri.CheckHostName(host) is not (UriHostNameType.Dns or UriHostNameType.IPv4))
        {
            error = $"{what} '{value}' has host '{host}', which is not a host name or IPv4 address; {Allowed}";
            return false;
        }

        address = value;
        error = null;
        return true;
    }

    /// <summary>As <see cref="TryParse"/>, throwing the one-line error as a usage error.</summary>
    public static string Parse(string? text, string what) =>
        TryParse(text, what, out var address, out var error) ? address : throw new Shared.Parsing.SpecFormatException(error);
}
