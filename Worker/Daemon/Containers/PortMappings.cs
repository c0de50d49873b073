using ClusterKit.Shared.Parsing;
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
            var published = new PublishedPort(port.HostIp, (int)Math.Min(port.HostPort, int.MaxValue), (int)Math.Min(port.ContainerPort, int.MaxValue), port.Protocol.Length > 0 ? port.Protocol : "tcp");
            try
            {
                result.Add(PortMappingParser.FromPublishedPort(published));
            }
            catch (NetworkingException error)
            {
                // A malformed request, not a state of the network: the API answers InvalidArgument.
                throw new ArgumentException(error.Message, error);
            }
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
