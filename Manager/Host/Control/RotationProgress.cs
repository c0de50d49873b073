using ClusterKit.Manager.Ca;
using ClusterKit.Manager.Store.Raft;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Host.Control;

/// <summary>What a CA rotation waits for, for `ck cluster inspect` and `ck cluster ca` (pure).</summary>
internal static class RotationProgress
{
    /// <summary>
    /// Every node still on the retiring root, with its hostname, role and state from <paramref name="nodes"/> and
    /// <paramref name="members"/>, and since when it is in that state from <paramref name="clock"/>; empty when the CA is stable.
    /// </summary>
    public static IReadOnlyList<RotationPendingNode> Pending(
        CaRotation rotation, IReadOnlyCollection<Node> nodes, IReadOnlyList<RaftMemberView> members, Func<string, NodeStateSince?> clock)
    {
        ArgumentNullException.ThrowIfNull(rotation);
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(clock);
        var byId = nodes.ToDictionary(n => n.Id, StringComparer.Ordinal);
        return rotation.NodesOnRetiringRoot.Select(id =>
        {
            var pending = new RotationPendingNode { NodeId = id };
            if (byId.TryGetValue(id, out var node))
            {
                pending.Hostname = node.Description?.Hostname ?? string.Empty;
                pending.Role = node.Role;
                pending.State = NodeStates.Effective(node, members);
            }
            else
            {
                // Listed but no longer in the store: nothing will renew for it.
                pending.State = NodeState.Unknown;
            }

            if (clock(id) is { } since && since.State == pending.State)
            {
                pending.StateSinceUnixMs = since.Since.ToUnixTimeMilliseconds();
                pending.StateBeganEarlier = since.BeganEarlier;
            }

            return pending;
        }).ToArray();
    }
}
