using System.Collections.Concurrent;
using System.Net;
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
internal sealed class LeaderCalls(ManagerNodeService manager) : IDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);
    private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);

    public async Task<int> AddManagerAsync(string nodeId, CancellationToken token)
    {
        var raft = manager.RequireNode();
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
        var raft = manager.RequireNode();
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
            throw new RpcException(new Status(StatusCode.Unavailable, "no leader is known just now (an election, or quorum lost); try again"));
        }

        return _channels.GetOrAdd(status.LeaderApiAddress, api => manager.Tls is { } tls
            ? tls.ManagerChannel(api)
            : GrpcChannel.ForAddress("http://" + api));
    }

    public void Dispose()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }
    }
}
