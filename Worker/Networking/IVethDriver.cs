using System.Net;

namespace ClusterKit.Worker.Networking;

/// <summary>Everything one container veth needs, on both sides of the namespace boundary.</summary>
public sealed record VethPlan(
    string HostInterface,
    string BridgeName,
    int Mtu,
    string ContainerInterface,
    string MacAddress,
    IPAddress Address,
    int PrefixLength,
    IPAddress Gateway,
    string NetworkNamespacePath);

/// <summary>
/// Creates and deletes container veths: the hot path of every container start and stop.
/// <see cref="NetlinkVethDriver"/> speaks rtnetlink directly; <see cref="IpVethDriver"/> runs `ip`.
/// </summary>
public interface IVethDriver
{
    /// <summary>
    /// Creates the pair, moves the peer into the container's namespace as an addressed, up
    /// interface with a default route via the gateway, and enslaves the host end to the bridge.
    /// On failure nothing is left behind.
    /// </summary>
    Task CreateAsync(VethPlan plan, CancellationToken cancellationToken);

    /// <summary>Deletes the host end (the peer goes with it); false when it did not exist.</summary>
    Task<bool> DeleteAsync(string hostInterface, CancellationToken cancellationToken);
}
