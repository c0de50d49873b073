using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Cli.Nodes;

/// <summary>The words `ck node` prints for a node's state, availability and manager status (as docker node ls does).</summary>
internal static class NodeNames
{
    public static string State(NodeState state) => state switch
    {
        NodeState.Ready => "Ready",
        NodeState.Down => "Down",
        NodeState.Disconnected => "Disconnected",
        _ => "Unknown",
    };

    public static string Availability(NodeAvailability availability) => availability switch
    {
        NodeAvailability.Active => "Active",
        NodeAvailability.Pause => "Pause",
        NodeAvailability.Drain => "Drain",
        _ => "Unknown",
    };

    /// <summary>Empty for workers, as docker node ls leaves the column blank.</summary>
    public static string ManagerStatus(NodeDetails details)
    {
        ArgumentNullException.ThrowIfNull(details);
        return details.Reachability switch
        {
            ManagerReachability.Leader => "Leader",
            ManagerReachability.Reachable => "Reachable",
            ManagerReachability.Unreachable => "Unreachable",
            _ => details.Node?.Role == NodeRole.Manager ? "Unknown" : string.Empty,
        };
    }

    public static string Role(NodeRole role) => role switch
    {
        NodeRole.Manager => "manager",
        NodeRole.Worker => "worker",
        _ => "unknown",
    };
}
