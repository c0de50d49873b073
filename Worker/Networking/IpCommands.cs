using System.Globalization;

namespace ClusterKit.Worker.Networking;

/// <summary>
/// The `ip -batch` scripts, kept pure so that they can be checked as text. Each script is one
/// process: the host side of an attach is a `link add` (veth, peer moved into the container's
/// namespace with its final name, MAC and MTU, host end enslaved and up) plus hairpin mode on
/// the bridge port, the container side three lines run inside its namespace.
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

    public static string CreateVeth(VethPlan plan)
    {
        var mtu = plan.Mtu.ToString(CultureInfo.InvariantCulture);
        return $"link add {plan.HostInterface} mtu {mtu} master {plan.BridgeName} up type veth"
            + $" peer name {plan.ContainerInterface} address {plan.MacAddress} mtu {mtu} netns {plan.NetworkNamespacePath}\n"
            + $"link set dev {plan.HostInterface} type bridge_slave hairpin on\n";
    }

    public static string ConfigureContainerInterface(VethPlan plan) =>
        $"addr add {plan.Address}/{plan.PrefixLength} dev {plan.ContainerInterface}\n"
        + $"link set {plan.ContainerInterface} up\n"
        + $"route add default via {plan.Gateway} dev {plan.ContainerInterface}\n";
}
