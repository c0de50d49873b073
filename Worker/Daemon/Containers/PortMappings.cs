using System.Net;
using ClusterKit.Worker.Networking;
using ProtoPort = ClusterKit.Proto.Worker.V1.PortMapping;

namespace ClusterKit.Worker.Containers;

/// <summary>Translates published ports between the API's messages and the network's records.</summary>
internal static class PortMappings
{
    public static IReadOnlyList<PortMapping> FromProto(IEnumerable<ProtoPort> ports)
    {
        var result = new List<PortMapping>();
        foreach (var port in ports)
        {
            IPAddress? address = null;
            if (port.HostIp.Length > 0 && !IPAddress.TryParse(port.HostIp, out address))
            {
                throw new ArgumentException($"invalid published port host address '{port.HostIp}': use an IPv4 address or leave it empty for all");
            }

            if (port.HostPort is < 1 or > 65535 || port.ContainerPort is < 1 or > 65535)
            {
                throw new ArgumentException($"invalid published port {port.HostPort}:{port.ContainerPort}: ports run from 1 to 65535");
            }

            var protocol = port.Protocol.ToLowerInvariant() switch
            {
                "" or "tcp" => TransportProtocol.Tcp,
                "udp" => TransportProtocol.Udp,
                "sctp" => TransportProtocol.Sctp,
                _ => throw new ArgumentException($"invalid published port protocol '{port.Protocol}': use tcp, udp or sctp"),
            };
            result.Add(new PortMapping(address, (int)port.HostPort, (int)port.ContainerPort, protocol));
        }

        for (var i = 0; i < result.Count; i++)
        {
            for (var j = i + 1; j < result.Count; j++)
            {
                if (result[i].ClashesWith(result[j]))
                {
                    throw new ArgumentException($"port {result[i].HostPort}/{result[i].ProtocolName} is published twice in this container's spec");
                }
            }
        }

        return result;
    }
}
