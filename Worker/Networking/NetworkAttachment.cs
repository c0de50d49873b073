using System.Net;

namespace ClusterKit.Worker.Networking;

/// <summary>
/// How a container ended up networked; the daemon persists it with the container record and hands
/// it back to <see cref="BridgeNetwork.RebuildAsync"/> after a restart. Address fields are null
/// for host and none mode.
/// </summary>
public sealed record NetworkAttachment(
    string ContainerId,
    NetworkMode Mode,
    IPAddress? Address,
    int PrefixLength,
    IPAddress? Gateway,
    string? MacAddress,
    string? HostInterface,
    IReadOnlyList<PortMapping> Ports)
{
    public static NetworkAttachment Unnetworked(string containerId, NetworkMode mode) =>
        new(containerId, mode, null, 0, null, null, null, []);
}
