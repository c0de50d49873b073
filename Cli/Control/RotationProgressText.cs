using System.Globalization;
using System.Text;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Cli.Control;

/// <summary>What a CA rotation waits for, as text (pure): one summary line, and the nodes that moved between two looks.</summary>
internal static class RotationProgressText
{
    /// <summary>True while the cluster still trusts a retiring root.</summary>
    public static bool IsRotating(ClusterInfo info) => (info ?? throw new ArgumentNullException(nameof(info))).NodesOnRetiringRoot.Count > 0 || info.RootDigests.Count > 1;

    /// <summary>
    /// "CA rotation: waiting for 2 of 5 nodes: w3 (worker, down since 19:02:11Z, will move when it returns, or remove it
    /// with `ck node rm ID`), m1 (manager, ready, moves after the workers)"; null when no rotation is under way.
    /// </summary>
    public static string? Summary(ClusterInfo info, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (!IsRotating(info))
        {
            return null;
        }

        var pending = info.NodesOnRetiringRoot;
        if (pending.Count == 0)
        {
            // Every node moved; the managers drop the old root in the same change, so this is a brief in-between.
            return "CA rotation: every node has moved to the new root; the old root is being dropped";
        }

        var text = new StringBuilder("CA rotation: waiting for ").Append(Count(pending.Count, info.Nodes)).Append(": ");
        var workersLeft = pending.Any(p => p.Role != NodeRole.Manager);
        text.AppendJoin(", ", pending.Select(p => $"{Name(p)} ({Describe(p, workersLeft, now)})"));
        return text.ToString();
    }

    /// <summary>"w3: worker, down since 19:02:11Z, ..." for each node the rotation waits for (`ck cluster inspect` lists them).</summary>
    public static IReadOnlyList<string> NodeLines(ClusterInfo info, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(info);
        var workersLeft = info.NodesOnRetiringRoot.Any(p => p.Role != NodeRole.Manager);
        return info.NodesOnRetiringRoot.Select(p => $"{Name(p)}: {Describe(p, workersLeft, now)}").ToArray();
    }

    /// <summary>"1 node", "2 of 5 nodes" (the total when the manager sent one that makes sense).</summary>
    public static string Count(int waiting, int nodes) => nodes >= waiting && nodes > 0
        ? string.Create(CultureInfo.InvariantCulture, $"{waiting} of {nodes} node{(nodes == 1 ? string.Empty : "s")}")
        : string.Create(CultureInfo.InvariantCulture, $"{waiting} node{(waiting == 1 ? string.Empty : "s")}");

    /// <summary>One line per node that left the waiting list between <paramref name="before"/> and <paramref name="after"/>.</summary>
    public static IReadOnlyList<string> Moved(ClusterInfo before, ClusterInfo after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var still = after.NodesOnRetiringRoot.Select(p => p.NodeId).ToHashSet(StringComparer.Ordinal);
        return before.NodesOnRetiringRoot
            .Where(p => !still.Contains(p.NodeId))
            .Select(p => $"{Name(p)} ({RoleName(p.Role)}) is off the old root (renewed, or removed from the cluster)")
            .ToArray();
    }

    /// <summary>"19:02:11Z" for today (UTC), else "2026-11-27 19:02:11Z".</summary>
    public static string Clock(DateTimeOffset time, DateTimeOffset now) => time.UtcDateTime.Date == now.UtcDateTime.Date
        ? time.UtcDateTime.ToString("HH:mm:ss'Z'", CultureInfo.InvariantCulture)
        : ClusterInfoText.Time(time);

    private static string Name(RotationPendingNode node) => node.Hostname.Length > 0 ? node.Hostname : node.NodeId;

    private static string Describe(RotationPendingNode node, bool workersLeft, DateTimeOffset now)
    {
        var role = RoleName(node.Role);
        if (node.State == NodeState.Ready)
        {
            // Managers renew only after every worker moved, so that no worker loses a manager it trusts.
            return node.Role == NodeRole.Manager && workersLeft ? $"{role}, ready, moves after the workers" : $"{role}, ready, renewing";
        }

        var state = node.State switch
        {
            NodeState.Down => "down",
            NodeState.Disconnected => "disconnected",
            _ => "not connected",
        };
        var since = node.StateSinceUnixMs > 0
            ? $" since {Clock(DateTimeOffset.FromUnixTimeMilliseconds(node.StateSinceUnixMs), now)}{(node.StateBeganEarlier ? " or earlier" : string.Empty)}"
            : string.Empty;
        return $"{role}, {state}{since}, will move when it returns, or remove it with `ck node rm {node.NodeId}`";
    }

    private static string RoleName(NodeRole role) => role switch
    {
        NodeRole.Manager => "manager",
        NodeRole.Worker => "worker",
        _ => "node",
    };
}
