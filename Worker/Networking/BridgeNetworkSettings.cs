using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace ClusterKit.Worker.Networking;

/// <summary>The validated form of <see cref="BridgeNetworkOptions"/>.</summary>
public sealed partial record BridgeNetworkSettings(string BridgeName, Ipv4Subnet Subnet, string TableFamily, string TableName, int Mtu)
{
    /// <summary>The kernel's limit on interface names (IFNAMSIZ - 1).</summary>
    public const int MaxInterfaceNameLength = 15;

    public const int MinMtu = 576;

    public const int MaxMtu = 65535;

    public IPAddress Gateway => Subnet.Gateway;

    /// <summary>The table as nft names it: "inet clusterkit".</summary>
    public string QualifiedTableName => $"{TableFamily} {TableName}";

    public static BridgeNetworkSettings From(BridgeNetworkOptions options)
    {
        if (!InterfaceName().IsMatch(options.BridgeName) || options.BridgeName.Length > MaxInterfaceNameLength)
        {
            throw new NetworkingException(
                $"invalid bridge name '{options.BridgeName}': use 1 to {MaxInterfaceNameLength} letters, digits, '_' or '-', starting with a letter");
        }

        var subnet = Ipv4Subnet.Parse(options.Subnet);
        if (subnet.PrefixLength is < 8 or > 30)
        {
            throw new NetworkingException(
                $"invalid subnet '{options.Subnet}': the prefix must be from /8 to /30 (network, gateway, one container and broadcast at least)");
        }

        if (options.TableFamily is not ("inet" or "ip"))
        {
            throw new NetworkingException($"invalid nftables family '{options.TableFamily}': use inet or ip");
        }

        if (!TableIdentifier().IsMatch(options.TableName) || options.TableName.Length > 64)
        {
            throw new NetworkingException(
                $"invalid nftables table name '{options.TableName}': use up to 64 letters, digits, '_' or '-', starting with a letter");
        }

        if (options.Mtu is < MinMtu or > MaxMtu)
        {
            throw new NetworkingException(
                $"invalid MTU {options.Mtu.ToString(CultureInfo.InvariantCulture)}: use {MinMtu} to {MaxMtu}");
        }

        return new BridgeNetworkSettings(options.BridgeName, subnet, options.TableFamily, options.TableName, options.Mtu);
    }

    // No dots: the bridge name is also a sysctl path component (net.ipv4.conf.NAME).
    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]*$")]
    private static partial Regex InterfaceName();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]*$")]
    private static partial Regex TableIdentifier();
}
