using ClusterKit.Manager.Ca;
using ClusterKit.Manager.Host.Membership;
using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Raft;
using ClusterKit.Shared.Remote;
using DotNext.Net.Cluster.Consensus.Raft;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace ClusterKit.Manager.Host.Control;

/// <summary>
/// Gives every expected failure that leaves a control call as an exception a status and a plain
/// one-line message (no leader, a conflicting write, a bad request); only what nobody expected
/// stays Internal, logged with its stack trace.
/// </summary>
internal sealed partial class ControlErrorInterceptor(RaftMemberSlot member, ILogger<ControlErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception error) when (error is not RpcException)
        {
            throw Map(error, context);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception error) when (error is not RpcException)
        {
            throw Map(error, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception error) when (error is not RpcException)
        {
            throw Map(error, context);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception error) when (error is not RpcException)
        {
            throw Map(error, context);
        }
    }

    private RpcException Map(Exception error, ServerCallContext context)
    {
        var mapped = ExceptionFor(error, context.CancellationToken.IsCancellationRequested, () => member.CurrentCluster() is null ? [] : member.Node.Members);
        if (mapped.StatusCode == StatusCode.Internal)
        {
            LogUnexpected(logger, context.Method, error);
        }

        return mapped;
    }

    /// <summary>
    /// <see cref="StatusFor"/> as the exception the call ends with: a refusal for want of a leader while a majority
    /// answers is marked <see cref="ElectionUnderWay"/>, so that a client may send it again in a moment.
    /// </summary>
    internal static RpcException ExceptionFor(Exception error, bool callCancelled, Func<IReadOnlyList<RaftMemberView>> members)
    {
        IReadOnlyList<RaftMemberView>? seen = null;
        var status = StatusFor(error, callCancelled, () => seen ??= members());
        return error is LeaderUnavailableException or QuorumUnreachableException or NotLeaderException && NoLeader.IsElection(seen ?? [])
            ? new RpcException(status, ElectionUnderWay.Trailers())
            : new RpcException(status);
    }

    /// <summary>The status of an exception a control call let escape (pure; the members are read only for a missing leader).</summary>
    internal static Status StatusFor(Exception error, bool callCancelled, Func<IReadOnlyList<RaftMemberView>> members) => error switch
    {
        LeaderUnavailableException or QuorumUnreachableException or NotLeaderException => new(StatusCode.Unavailable, NoLeader.Describe(members())),
        OperationCanceledException when callCancelled => new(StatusCode.Cancelled, "the call was cancelled"),
        TimeoutException or OperationCanceledException => new(StatusCode.Unavailable, "the cluster did not answer in time; " + NoLeader.Describe(members())),
        StoreConflictException => new(StatusCode.Aborted, error.Message + "; run the command again"),
        InvalidStoreObjectException or ArgumentException or FormatException => new(StatusCode.InvalidArgument, error.Message),
        MembershipChangeException => new(StatusCode.FailedPrecondition, error.Message),
        JoinTokenException => new(StatusCode.PermissionDenied, error.Message),
        _ => new(StatusCode.Internal, $"internal error ({error.GetType().Name}: {error.Message}); the manager's log has the details"),
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure in {Method}")]
    private static partial void LogUnexpected(ILogger logger, string method, Exception error);
}
