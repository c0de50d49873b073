using ClusterKit.Manager.Store.Raft;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Host.Control;

/// <summary>Whether a node can renew its certificate now (pure), as a node state.</summary>
internal static class NodeStates
{
    /// <summary>
    /// A manager renews its own certificate in its manager process, so its Raft reachability counts (ready or down),
    /// not a worker session it may never have; any other node is as its worker session left it in the store.
    /// </summary>
    public static NodeState Effective(Node node, IReadOnlyList<RaftMemberView> members)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(members);
        if (node.Role == NodeRole.Manager && !string.IsNullOrEmpty(node.RaftAddress))
        {
            var member = members.FirstOrDefault(m => m.Address.ToString() == node.RaftAddress);
            return member is { Reachable: true } ? NodeState.Ready : NodeState.Down;
        }

        return node.Status?.State ?? NodeState.Unspecified;
    }
}
