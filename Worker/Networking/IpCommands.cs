using System.Globalization;
using System.Net;

namespace ClusterKit.Worker.Networking;

/// <summary>
/// The `ip -batch` scripts, kept pure so that they can be checked as text. Each script is one
/// process: the host side of an attach is a single `link add` (veth, peer moved into the
/// container's namespace with its final name, MAC and MTU, host end enslaved and up), the
/// container side three lines run inside its namespace.
/// </summary>
internal static class IpCommands
{
    public static string CreateBridge(BridgeNetworkSettings settings, bool exists)
    {
        var mtu = settings.Mtu.ToString(CultureInfo.InvariantCulture);

        // A fixed MAC: otherwise the bridge takes the lowest MAC of its ports and changes it as
        // containers come and go, which makes every container re-learn its gateway.
        var create = exists
            ? string.Empty
            : $"link add {settings.BridgeName} address {MacAddresses.FromIPv4(settings.Gateway)} mtu {mtu} type bridge\n";
        return create
            + $"addr replace {settings.Gateway}/{settings.Subnet.PrefixLength} dev {settings.BridgeName}\n"
            + $"link set {settings.BridgeName} mtu {mtu} up\n";
    }

    public static string CreateVeth(BridgeNetworkSettings settings, string hostEnd, IPAddress address, string networkNamespacePath)
    {
        var mtu = settings.Mtu.ToString(CultureInfo.InvariantCulture);
        return $"link add {hostEnd} mtu {mtu} master {settings.BridgeName} up type veth"
            + $" peer name {VethNames.ContainerInterface} address {MacAddresses.FromIPv4(address)} mtu {mtu} netns {networkNamespacePath}\n";
    }

    public static string ConfigureContainerInterface(BridgeNetworkSettings settings, IPAddress address) =>
        $"addr add {address}/{settings.Subnet.PrefixLength} dev {VethNames.ContainerInterface}\n"
        + $"link set {VethNames.ContainerInterface} up\n"
        + $"route add default via {settings.Gateway} dev {VethNames.ContainerInterface}\n";

    public static string DeleteLinks(IEnumerable<string> names) =>
        string.Concat(names.Select(name => $"link del {name}\n"));
}
