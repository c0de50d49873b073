using System.Net;
using DotNext.Net.Cluster;
using DotNext.Net.Cluster.Consensus.Raft;
using Microsoft.Extensions.Logging;

namespace ClusterKit.Manager.Store.Raft;

/// <summary>One Raft member as this manager sees it.</summary>
/// <param name="Reachable">Whether this manager's last exchange with it succeeded (always true for itself).</param>
public sealed record RaftMemberView(EndPoint Address, bool IsSelf, bool IsLeader, bool Reachable);

/// <summary>Membership changes: one at a time, on the leader, a new member caught up before it votes.</summary>
public sealed partial class RaftNode
{
    private readonly SemaphoreSlim _membershipChange = new(1, 1);

    public bool IsLeader => _cluster.Leader is { IsRemote: false };

    /// <summary>Whether this manager is still one of the members (false once it has been removed).</summary>
    public bool IsMember => _cluster.Members.Any(m => !m.IsRemote);

    public IReadOnlyList<RaftMemberView> Members
    {
        get
        {
            var leader = _cluster.Leader;
            return [.. _cluster.Members.Select(m => new RaftMemberView(
                m.EndPoint,
                !m.IsRemote,
                leader is not null && Equals(leader.EndPoint, m.EndPoint),
                !m.IsRemote || m.Status == ClusterMemberStatus.Available))];
        }
    }

    /// <summary>
    /// Adds a manager that already runs (and listens on <paramref name="address"/>): DotNext
    /// replicates the log to it for a few warm-up rounds and commits the new member list only
    /// when it has caught up, so a slow newcomer never costs the cluster its majority.
    /// </summary>
    /// <exception cref="NotLeaderException">This manager is not the leader.</exception>
    /// <exception cref="MembershipChangeException">The newcomer did not catch up or the change did not commit.</exception>
    public async Task AddMemberAsync(EndPoint address, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(address);
        await _membershipChange.WaitAsync(token).ConfigureAwait(false);
        try
        {
            if (_cluster.Members.Any(m => Equals(m.EndPoint, address)))
            {
                LogMemberAlreadyPresent(_logger, address.ToString() ?? "?");
                return;
            }

            EnsureMemberCountAllowed(_cluster.Members.Count + 1, "adding");
            if (!await _cluster.AddMemberAsync(address, token).ConfigureAwait(false))
            {
                throw new MembershipChangeException($"manager {address} was not added: it did not catch up with the log in the warm-up rounds or the new member list did not commit; check that it runs and is reachable on its raft address");
            }

            LogMemberAdded(_logger, Options.NodeId, address.ToString() ?? "?", _cluster.Members.Count);
        }
        finally
        {
            _membershipChange.Release();
        }
    }

    /// <summary>Removes a manager from the member list (it stops voting once the change commits).</summary>
    /// <exception cref="NotLeaderException">This manager is not the leader.</exception>
    /// <exception cref="MembershipChangeException">The change would leave no manager or lose the majority, or did not commit.</exception>
    public async Task RemoveMemberAsync(EndPoint address, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(address);
        await _membershipChange.WaitAsync(token).ConfigureAwait(false);
        try
        {
            var members = Members;
            if (!members.Any(m => Equals(m.Address, address)))
            {
                throw new MembershipChangeException($"manager {address} is not a raft member; members: {string.Join(", ", members.Select(m => m.Address))}");
            }

            var rule = MembershipRules.CheckRemoval(members, address);
            if (rule is not null)
            {
                throw new MembershipChangeException(rule);
            }

            if (!await _cluster.RemoveMemberAsync(address, token).ConfigureAwait(false))
            {
                throw new MembershipChangeException($"manager {address} was not removed: the new member list did not commit");
            }

            LogMemberRemoved(_logger, Options.NodeId, address.ToString() ?? "?", _cluster.Members.Count);
        }
        finally
        {
            _membershipChange.Release();
        }
    }

    /// <summary>Whether a majority answers now: a read barrier within <paramref name="timeout"/>.</summary>
    public async Task<bool> HasQuorumAsync(TimeSpan timeout, CancellationToken token)
    {
        if (_cluster.Leader is null)
        {
            return false;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
        deadline.CancelAfter(timeout);
        try
        {
            await _cluster.ApplyReadBarrierAsync(deadline.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or QuorumUnreachableException && !token.IsCancellationRequested)
        {
            return false;
        }
    }

    private static void EnsureMemberCountAllowed(int count, string action)
    {
        if (count > MembershipRules.MaxManagers)
        {
            throw new MembershipChangeException($"{action} a manager would make {count}; allowed: at most {MembershipRules.MaxManagers} managers");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Manager {NodeId} added raft member {Address}; {Members} members")]
    private static partial void LogMemberAdded(ILogger logger, string nodeId, string address, int members);

    [LoggerMessage(Level = LogLevel.Information, Message = "Manager {NodeId} removed raft member {Address}; {Members} members")]
    private static partial void LogMemberRemoved(ILogger logger, string nodeId, string address, int members);

    [LoggerMessage(Level = LogLevel.Information, Message = "Raft member {Address} is already a member")]
    private static partial void LogMemberAlreadyPresent(ILogger logger, string address);
}

/// <summary>The rules a membership change must keep; pure, so that they are tested without a cluster.</summary>
public static class MembershipRules
{
    public const int MaxManagers = 7;

    /// <summary>Null when <paramref name="target"/> may go; otherwise why not, in one line.</summary>
    public static string? CheckRemoval(IReadOnlyList<RaftMemberView> members, EndPoint target)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count <= 1)
        {
            return $"manager {target} is the last manager; a cluster needs at least one (to leave the cluster for good, stop it and remove its data)";
        }

        var remaining = members.Where(m => !Equals(m.Address, target)).ToList();
        var reachable = remaining.Count(m => m.Reachable);
        var majority = (remaining.Count / 2) + 1;
        return reachable < majority
            ? $"removing manager {target} would leave {reachable} reachable of {remaining.Count} managers, below the majority of {majority}: the cluster would lose quorum; bring the unreachable managers back first"
            : null;
    }
}

/// <summary>A membership change that cannot be made; the message says why and what to do.</summary>
public sealed class MembershipChangeException : Exception
{
    public MembershipChangeException(string message)
        : base(message)
    {
    }

    public MembershipChangeException()
    {
    }

    public MembershipChangeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
