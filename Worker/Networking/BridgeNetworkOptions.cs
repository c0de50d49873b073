namespace ClusterKit.Worker.Networking;

/// <summary>Settings of the worker's local bridge network; validated once by <see cref="BridgeNetworkSettings.From"/>.</summary>
public sealed class BridgeNetworkOptions
{
    /// <summary>The host bridge every bridge-mode container is attached to.</summary>
    public string BridgeName { get; set; } = "ck0";

    /// <summary>The containers' IPv4 subnet; the bridge takes the first address (.1) as their gateway.</summary>
    public string Subnet { get; set; } = "10.88.0.0/16";

    /// <summary>ClusterKit's own nftables table; rebuilt as a whole, no other table is touched.</summary>
    public string TableName { get; set; } = "clusterkit";

    /// <summary>The table's family: inet or ip.</summary>
    public string TableFamily { get; set; } = "inet";

    /// <summary>MTU of the bridge and of both ends of every veth.</summary>
    public int Mtu { get; set; } = 1500;
}
