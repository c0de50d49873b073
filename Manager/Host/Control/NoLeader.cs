using ClusterKit.Manager.Store.Raft;
using ClusterKit.Shared.Remote;
using Grpc.Core;

namespace ClusterKit.Manager.Host.Control;

/// <summary>The one plain sentence for a call that needed a leader and found none (pure).</summary>
internal static class NoLeader
{
    public static string Describe(IReadOnlyList<RaftMemberView> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        var reachable = members.Count(m => m.Reachable);
        return IsElection(members)
            ? $"no leader just now: {reachable} of {members.Count} managers reachable, an election is under way; try again in a moment"
            : $"no leader: {reachable} of {members.Count} managers reachable, {Majority(members)} needed; nothing can change until a majority is back (or recover with `ck cluster init --force-new-cluster` on a surviving manager)";
    }

    /// <summary>A majority answers, so a leader is only being elected (a refusal worth sending again in a moment).</summary>
    public static bool IsElection(IReadOnlyList<RaftMemberView> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        return members.Count > 0 && members.Count(m => m.Reachable) >= Majority(members);
    }

    /// <summary>The refusal of a call that needs a leader: Unavailable, marked for a retry while an election is under way.</summary>
    public static RpcException Refusal(IReadOnlyList<RaftMemberView> members, string prefix = "")
    {
        var status = new Status(StatusCode.Unavailable, prefix + Describe(members));
        return IsElection(members) ? new RpcException(status, ElectionUnderWay.Trailers()) : new RpcException(status);
    }

    private static int Majority(IReadOnlyList<RaftMemberView> members) => (members.Count / 2) + 1;
}
