using ClusterKit.Manager.Store.Raft;

namespace ClusterKit.Manager.Host.Control;

/// <summary>The one plain sentence for a call that needed a leader and found none (pure).</summary>
internal static class NoLeader
{
    public static string Describe(IReadOnlyList<RaftMemberView> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        var reachable = members.Count(m => m.Reachable);
        var needed = (members.Count / 2) + 1;
        return reachable >= needed
            ? $"no leader just now: {reachable} of {members.Count} managers reachable, an election is under way; try again in a moment"
            : $"no leader: {reachable} of {members.Count} managers reachable, {needed} needed; nothing can change until a majority is back (or recover with `ck cluster init --force-new-cluster` on a surviving manager)";
    }
}
