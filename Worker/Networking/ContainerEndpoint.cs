using System.Net;

namespace ClusterKit.Worker.Networking;

/// <summary>A bridge-mode container as the network knows it: who, which address, which published ports.</summary>
public sealed record ContainerEndpoint(string ContainerId, string ContainerName, IPAddress Address, IReadOnlyList<PortMapping> Ports)
{
    /// <summary>The short id operators see (first 12 characters).</summary>
    public string ShortId => ContainerIds.Short(ContainerId);
}
