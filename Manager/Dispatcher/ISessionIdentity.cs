using ClusterKit.Proto.Manager.V1;
using Grpc.Core;

namespace ClusterKit.Manager.Dispatcher;

/// <summary>
/// Decides which node a session speaks for. The seam where mutual TLS plugs in: the
/// certificate's node id replaces the one the worker claims.
/// </summary>
public interface ISessionIdentity
{
    /// <summary>The node id of the call; throws an <see cref="RpcException"/> (PermissionDenied) when the caller may not claim it.</summary>
    string ResolveNodeId(ServerCallContext context, RegisterNode register);
}

/// <summary>Until certificates exist: the node is who its register message says it is.</summary>
public sealed class RegisteredNodeIdentity : ISessionIdentity
{
    public string ResolveNodeId(ServerCallContext context, RegisterNode register)
    {
        ArgumentNullException.ThrowIfNull(register);
        return register.NodeId;
    }
}
