using ClusterKit.Manager.Host.Membership;
using ClusterKit.Shared.Identity;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace ClusterKit.Manager.Host.Control;

/// <summary>The caller of one control-plane call, as the services see it.</summary>
public sealed record Caller(CallerKind Kind, NodeIdentity? Identity)
{
    public string Describe() => Identity is null ? Kind == CallerKind.LocalSocket ? "root on this host" : "an anonymous caller" : Identity.ToString();
}

/// <summary>
/// Admits a call only from the callers <see cref="CallPolicy"/> lists for its method. The TLS
/// handshake already checked the certificate against the cluster's trust bundle; here its role
/// decides, and a removed node's certificate is refused.
/// </summary>
internal sealed class CallerAuthorizationInterceptor(ManagerOptions options, RaftMemberSlot member) : Interceptor
{
    private const string CallerKey = "ck-caller";

    public static Caller CallerOf(ServerCallContext context)
        => context.UserState.TryGetValue(CallerKey, out var caller) && caller is Caller known ? known : new Caller(CallerKind.Anonymous, null);

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, responseStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Authorize(ServerCallContext context)
    {
        var caller = Identify(context);
        context.UserState[CallerKey] = caller;
        if (options.IsFixedMembership)
        {
            // The fixed-membership mode (benchmarks, development) has no certificates: every caller is trusted.
            return;
        }

        var allowed = CallPolicy.AllowedCallers(context.Method);
        if (!allowed.Contains(caller.Kind))
        {
            throw new RpcException(new Status(
                caller.Kind == CallerKind.Anonymous ? StatusCode.Unauthenticated : StatusCode.PermissionDenied,
                $"{context.Method}: {caller.Describe()} may not call it; allowed: {CallPolicy.Describe(allowed)}"));
        }

        if (caller.Identity is { } identity && member.IsRemoved(identity.NodeId))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"node {identity.NodeId} was removed from the cluster; its certificate is no longer accepted: join again with a token"));
        }
    }

    private static Caller Identify(ServerCallContext context) => HttpCaller.Identify(context.GetHttpContext());
}
