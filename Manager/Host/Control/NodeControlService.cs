using System.Net;
using ClusterKit.Manager.Host.Membership;
using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using Grpc.Core;

namespace ClusterKit.Manager.Host.Control;

/// <summary>`ck node ...`: list and inspect nodes, change availability and labels, promote, demote, remove.</summary>
internal sealed partial class NodeControlService(RaftMemberSlot member, LeaderCalls leader, DataKeyring keys, ILogger<NodeControlService> logger) : NodeService.NodeServiceBase
{
    private static readonly TimeSpan QuorumProbe = TimeSpan.FromSeconds(2);

    public override async Task<ListNodesResponse> List(ListNodesRequest request, ServerCallContext context)
    {
        var node = member.RequireNode();
        if (await leader.ListOnLeaderAsync(node, request, context, QuorumProbe) is { } leaders)
        {
            return leaders;
        }

        var hasQuorum = await node.HasQuorumAsync(QuorumProbe, context.CancellationToken);
        var nodes = node.Store.View(tx => tx.List<Node>());
        var members = node.Members;
        var response = new ListNodesResponse { HasQuorum = hasQuorum };
        response.Nodes.AddRange(nodes.OrderBy(n => n.Description?.Hostname, StringComparer.Ordinal).ThenBy(n => n.Id, StringComparer.Ordinal).Select(n => Details(n, members)));
        if (!hasQuorum)
        {
            var reachable = members.Count(m => m.Reachable);
            response.Warning = reachable >= (members.Count / 2) + 1
                ? $"this manager could not confirm a leader within {QuorumProbe.TotalSeconds:0} s ({reachable} of {members.Count} managers reachable: an election may be under way); this list is this manager's last view"
                : $"this manager cannot reach a majority of the managers ({reachable} of {members.Count} reachable, {(members.Count / 2) + 1} needed): the cluster has lost quorum; this list is this manager's last view and nothing can change until a majority is back (or recover with `ck cluster init --force-new-cluster` on a surviving manager)";
        }

        return response;
    }

    public override async Task<NodeDetails> Inspect(InspectNodeRequest request, ServerCallContext context)
    {
        var node = member.RequireNode();
        var found = await FindAsync(node, request.Node, context.CancellationToken);
        return Details(found, node.Members);
    }

    public override async Task<NodeDetails> Update(UpdateNodeRequest request, ServerCallContext context)
    {
        var raft = member.RequireNode();
        var found = await FindAsync(raft, request.Node, context.CancellationToken);
        var changed = await ChangeNodeAsync(raft, found.Id, current =>
        {
            var (next, error) = NodeSpecChange.Apply(current, request);
            return next ?? throw new RpcException(new Status(StatusCode.InvalidArgument, error!));
        }, context.CancellationToken);
        LogUpdated(logger, found.Id, changed.Spec.Availability.ToString());
        return Details(await FindAsync(raft, found.Id, context.CancellationToken), raft.Members);
    }

    public override async Task<NodeDetails> Promote(PromoteNodeRequest request, ServerCallContext context)
    {
        var raft = member.RequireNode();
        var found = await FindAsync(raft, request.Node, context.CancellationToken);
        if (found.Role == NodeRole.Manager && IsRaftMember(raft, found))
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"node {found.Id} is already a manager"));
        }

        if (string.IsNullOrEmpty(found.RaftAddress))
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"node {found.Id} runs no manager process (it joined as a worker): start ck-manager on that host and join it with the manager token (`ck cluster join-token manager`)"));
        }

        await leader.AddManagerAsync(found.Id, context.CancellationToken);
        await ChangeNodeAsync(raft, found.Id, current => WithRole(current, NodeRole.Manager), context.CancellationToken);
        LogPromoted(logger, found.Id);
        return Details(await FindAsync(raft, found.Id, context.CancellationToken), raft.Members);
    }

    public override async Task<NodeDetails> Demote(DemoteNodeRequest request, ServerCallContext context)
    {
        var raft = member.RequireNode();
        var found = await FindAsync(raft, request.Node, context.CancellationToken);
        if (found.Role != NodeRole.Manager)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"node {found.Id} is not a manager; allowed: demoting a manager"));
        }

        var members = raft.Members;
        var rule = MembershipRules.CheckRemoval(members, ParseRaft(found));
        if (rule is not null && IsRaftMember(raft, found))
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"cannot demote {found.Id}: {rule}"));
        }

        if (IsRaftMember(raft, found))
        {
            await leader.RemoveManagerAsync(found.Id, context.CancellationToken);
        }

        await ChangeNodeAsync(raft, found.Id, current => WithRole(current, NodeRole.Worker), context.CancellationToken);
        LogDemoted(logger, found.Id);
        return Details(await FindAsync(raft, found.Id, context.CancellationToken), raft.Members);
    }

    public override async Task<RemoveNodeResponse> Remove(RemoveNodeRequest request, ServerCallContext context)
    {
        var raft = member.RequireNode();
        var found = await FindAsync(raft, request.Node, context.CancellationToken);
        if (found.Role == NodeRole.Manager || IsRaftMember(raft, found))
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"node {found.Id} is a manager and a raft member; demote it first (`ck node demote {found.Id}`), then remove it"));
        }

        if (found.Status?.State == NodeState.Ready && !request.Force)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"node {found.Id} is ready (its worker is connected); stop it first, or remove it anyway with --force"));
        }

        await CommitAsync(
            raft,
            tx =>
            {
                tx.Delete<Node>(found.Id);
                var cluster = StoredCluster.Find(tx);
                if (cluster is not null && !cluster.RemovedNodeIds.Contains(found.Id))
                {
                    // A removed node no longer holds up a CA rotation.
                    var authority = ClusterAuthority.FromStore(cluster, keys);
                    var updated = authority.With(authority.Rotation.NodeRemoved(found.Id));
                    updated.RemovedNodeIds.Add(found.Id);
                    tx.Update(updated);
                }
            },
            context.CancellationToken);
        LogRemoved(logger, found.Id, request.Force);
        return new RemoveNodeResponse();
    }

    private static Node WithRole(Node node, NodeRole role)
    {
        var changed = node.Clone();
        changed.Role = role;
        changed.Spec ??= new NodeSpec { Availability = NodeAvailability.Active };
        changed.Spec.DesiredRole = role;
        return changed;
    }

    /// <summary>
    /// Read, change and write one node, again if someone else (a heartbeat-driven status change,
    /// another operator) wrote it in between: the change is applied to the node as it is now.
    /// </summary>
    private static async Task<Node> ChangeNodeAsync(RaftNode raft, string nodeId, Func<Node, Node> change, CancellationToken token)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var current = await raft.Store.ReadAsync(tx => tx.Get<Node>(nodeId), token)
                    ?? throw new RpcException(new Status(StatusCode.NotFound, $"node {nodeId} was removed while this request ran"));
                var changed = change(current);
                await raft.Store.UpdateAsync(tx => tx.Update(changed), token);
                return changed;
            }
            catch (StoreConflictException) when (attempt < 5)
            {
                // Written in between: apply the change to the newer node.
            }
            catch (LeaderUnavailableException) when (attempt < 20)
            {
                // A membership change just made the managers elect again: wait for the new leader.
                await Task.Delay(TimeSpan.FromMilliseconds(250), token);
            }
            catch (StoreConflictException e)
            {
                throw new RpcException(new Status(StatusCode.Aborted, $"node {nodeId} kept changing while this request ran ({e.Message}); run the command again"));
            }
            catch (LeaderUnavailableException)
            {
                throw NoLeader.Refusal(raft.Members);
            }
        }
    }

    internal static NodeDetails Details(Node node, IReadOnlyList<RaftMemberView> members)
    {
        var details = new NodeDetails { Node = node };
        if (node.Role == NodeRole.Manager && !string.IsNullOrEmpty(node.RaftAddress))
        {
            var member = members.FirstOrDefault(m => m.Address.ToString() == node.RaftAddress);
            details.Reachability = member switch
            {
                null => ManagerReachability.Unreachable,
                { IsLeader: true } => ManagerReachability.Leader,
                { Reachable: true } => ManagerReachability.Reachable,
                _ => ManagerReachability.Unreachable,
            };
        }

        return details;
    }

    private static bool IsRaftMember(RaftNode raft, Node node)
        => !string.IsNullOrEmpty(node.RaftAddress) && raft.Members.Any(m => m.Address.ToString() == node.RaftAddress);

    private static IPEndPoint ParseRaft(Node node)
        => IPEndPoint.TryParse(node.RaftAddress, out var endPoint)
            ? endPoint
            : throw new RpcException(new Status(StatusCode.FailedPrecondition, $"node {node.Id} has raft address '{node.RaftAddress}', which is not IP:PORT"));

    private static async Task<Node> FindAsync(RaftNode raft, string name, CancellationToken token)
    {
        IReadOnlyList<Node> nodes;
        try
        {
            nodes = await raft.Store.ReadAsync(tx => tx.List<Node>(), token);
        }
        catch (LeaderUnavailableException)
        {
            throw NoLeader.Refusal(raft.Members);
        }

        var (node, error) = NodeLookup.Find(nodes, name);
        return node ?? throw new RpcException(new Status(StatusCode.NotFound, error!));
    }

    private static async Task CommitAsync(RaftNode raft, Action<WriteTransaction> update, CancellationToken token)
    {
        try
        {
            await raft.Store.UpdateAsync(update, token);
        }
        catch (StoreConflictException e)
        {
            throw new RpcException(new Status(StatusCode.Aborted, $"the node changed while this request ran ({e.Message}); run the command again"));
        }
        catch (LeaderUnavailableException)
        {
            throw NoLeader.Refusal(raft.Members);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} updated: availability {Availability}")]
    private static partial void LogUpdated(ILogger logger, string nodeId, string availability);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} promoted to manager")]
    private static partial void LogPromoted(ILogger logger, string nodeId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} demoted to worker")]
    private static partial void LogDemoted(ILogger logger, string nodeId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} removed (force: {Force})")]
    private static partial void LogRemoved(ILogger logger, string nodeId, bool force);
}
