using ClusterKit.Manager.Dispatcher;
using ClusterKit.Proto.Manager.V1;
using Grpc.Core;

namespace ClusterKit.Manager.Host.Control;

/// <summary>A worker session speaks for the node its certificate names, whatever the register message claims.</summary>
internal sealed class CertificateSessionIdentity(ManagerOptions options) : ISessionIdentity
{
    private readonly RegisteredNodeIdentity _fixedMembership = new();

    public string ResolveNodeId(ServerCallContext context, RegisterNode register)
    {
        ArgumentNullException.ThrowIfNull(register);
        if (options.IsFixedMembership)
        {
            return _fixedMembership.ResolveNodeId(context, register);
        }

        var identity = CallerAuthorizationInterceptor.CallerOf(context).Identity
            ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "a worker session needs the node's certificate"));
        if (!string.IsNullOrEmpty(register.NodeId) && register.NodeId != identity.NodeId)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"the session registers node {register.NodeId}, but its certificate is node {identity.NodeId}'s; a node registers as itself only"));
        }

        return identity.NodeId;
    }
}
