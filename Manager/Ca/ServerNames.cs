using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace ClusterKit.Manager.Ca;

/// <summary>The subject alternative names of a manager's certificate: the host of its API address (an IP or a DNS name).</summary>
public static class ServerNames
{
    /// <summary>The extension for <paramref name="address"/> (HOST:PORT, [IPv6]:PORT or HOST); null when there is none to name.</summary>
    public static X509Extension? Of(string? address)
    {
        if (string.IsNullOrWhiteSpace(address))
        {
            return null;
        }

        var names = new SubjectAlternativeNameBuilder();
        if (IPEndPoint.TryParse(address, out var endPoint))
        {
            if (endPoint.Address.Equals(IPAddress.Any) || endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                return null;
            }

            names.AddIpAddress(endPoint.Address);
            return names.Build();
        }

        var colon = address.LastIndexOf(':');
        var host = colon > 0 ? address[..colon] : address;
        if (Uri.CheckHostName(host) != UriHostNameType.Dns)
        {
            return null;
        }

        names.AddDnsName(host);
        return names.Build();
    }
}
