using ClusterKit.Manager.Host.Membership;
using ClusterKit.Proto.Manager.V1;
using Grpc.Core;

namespace ClusterKit.Manager.Host.Control;

/// <summary>Raft membership on request of another manager: a manager that just joined, or a follower forwarding `ck node promote|demote`.</summary>
internal sealed class MembershipControlService(ManagerOptions options, LeaderCalls leader, DataKeyHandOff dataKeys) : MembershipService.MembershipServiceBase
{
    public override async Task<MembershipResponse> AddManager(AddManagerRequest request, ServerCallContext context)
    {
        var nodeId = string.IsNullOrEmpty(request.NodeId) ? CallerNodeId(context) : request.NodeId;
        return new MembershipResponse { Managers = await leader.AddManagerAsync(nodeId, context.CancellationToken) };
    }

    public override async Task<MembershipResponse> RemoveManager(RemoveManagerRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.NodeId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "remove manager: the node id is empty; a node id is required"));
        }

        return new MembershipResponse { Managers = await leader.RemoveManagerAsync(request.NodeId, context.CancellationToken) };
    }

    public override Task<GetDataKeyResponse> GetDataKey(GetDataKeyRequest request, ServerCallContext context)
        => Task.FromResult(dataKeys.Serve(DataKeyHandOff.CallerOf(context), request));

    private string CallerNodeId(ServerCallContext context)
        => CallerAuthorizationInterceptor.CallerOf(context).Identity?.NodeId
            ?? (options.IsFixedMembership
                ? throw new RpcException(new Status(StatusCode.InvalidArgument, "add manager: no node id given and the caller has no certificate"))
                : throw new RpcException(new Status(StatusCode.Unauthenticated, "add manager: the caller presented no manager certificate")));
}
