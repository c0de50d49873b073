using System.Collections.Concurrent;
using System.Net;
using ClusterKit.Manager.Host.Membership;
using ClusterKit.Manager.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using DotNext.Net.Cluster.Consensus.Raft;
using Grpc.Core;
using Grpc.Net.Client;

namespace ClusterKit.Manager.Host.Control;

/// <summary>
/// Raft membership changes, which only the leader can make: done here when this manager leads,
/// otherwise sent to the leader's MembershipService with this manager's certificate.
/// </summary>
internal sealed class LeaderCalls(RaftMemberSlot member, ManagerTlsSlot tlsSlot) : IDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);
    private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);

    public async Task<int> AddManagerAsync(string nodeId, CancellationToken token)
    {
        var raft = member.RequireNode();
        if (raft.IsLeader)
        {
            var address = await RaftAddressAsync(raft, nodeId, token);
            await OnLeaderAsync(() => raft.AddMemberAsync(address, token));
            return raft.Members.Count;
        }

        var client = new MembershipService.MembershipServiceClient(await LeaderChannelAsync(raft, token));
        var response = await client.AddManagerAsync(new AddManagerRequest { NodeId = nodeId }, deadline: DateTime.UtcNow + CallTimeout, cancellationToken: token);
        return response.Managers;
    }

    public async Task<int> RemoveManagerAsync(string nodeId, CancellationToken token)
    {
        var raft = member.RequireNode();
        if (raft.IsLeader)
        {
            var address = await RaftAddressAsync(raft, nodeId, token);
            await OnLeaderAsync(() => raft.RemoveMemberAsync(address, token));
            return raft.Members.Count;
        }

        var client = new MembershipService.MembershipServiceClient(await LeaderChannelAsync(raft, token));
        var response = await client.RemoveManagerAsync(new RemoveManagerRequest { NodeId = nodeId }, deadline: DateTime.UtcNow + CallTimeout, cancellationToken: token);
        return response.Managers;
    }

    /// <summary>
    /// The node list as the leader sees it, or null when this manager leads, knows no leader, or the leader
    /// does not answer within <paramref name="wait"/> (the caller then answers from its own view). Followers
    /// exchange nothing with each other in Raft, so a follower's own view of the other followers goes stale
    /// (a restarted manager stayed "unreachable" until the next election); the leader hears from every
    /// member each heartbeat. A forwarded call is marked and answered where it lands, never forwarded again.
    /// </summary>
    public async Task<ListNodesResponse?> ListOnLeaderAsync(RaftNode raft, ListNodesRequest request, ServerCallContext context, TimeSpan wait)
    {
        if (raft.IsLeader || context.RequestHeaders.Get(ForwardedHeader) is not null)
        {
            return null;
        }

        try
        {
            var status = await raft.GetStatusAsync(context.CancellationToken);
            if (status.IsLeader || string.IsNullOrEmpty(status.LeaderApiAddress))
            {
                return null;
            }

            var client = new NodeService.NodeServiceClient(Channel(status.LeaderApiAddress));
            return await client.ListAsync(request, new Metadata { { ForwardedHeader, raft.Options.NodeId } }, DateTime.UtcNow + wait, context.CancellationToken);
        }
        catch (RpcException) when (!context.CancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private const string ForwardedHeader = "ck-answered-for";

    private static async Task<IPEndPoint> RaftAddressAsync(RaftNode raft, string nodeId, CancellationToken token)
    {
        var node = await raft.Store.ReadAsync(tx => tx.Get<Node>(nodeId), token)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"node {nodeId} not found"));
        return IPEndPoint.TryParse(node.RaftAddress, out var address) && address.Port != 0
            ? address
            : throw new RpcException(new Status(StatusCode.FailedPrecondition, $"node {nodeId} has no raft address (it joined as a worker and runs no manager)"));
    }

    private static async Task OnLeaderAsync(Func<Task> change)
    {
        try
        {
            await change();
        }
        catch (MembershipChangeException e)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, e.Message));
        }
        catch (NotLeaderException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "this manager stopped being the leader during the change; try again"));
        }
    }

    private async Task<GrpcChannel> LeaderChannelAsync(RaftNode raft, CancellationToken token)
    {
        var status = await raft.GetStatusAsync(token);
        if (string.IsNullOrEmpty(status.LeaderApiAddress))
        {
            throw NoLeader.Refusal(raft.Members);
        }

        return Channel(status.LeaderApiAddress);
    }

    private GrpcChannel Channel(string leaderApi) => _channels.GetOrAdd(leaderApi, api => tlsSlot.Current is { } tls
        ? tls.ManagerChannel(api)
        : GrpcChannel.ForAddress("http://" + api));

    public void Dispose()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }
    }
}
