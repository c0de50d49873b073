using ClusterKit.Manager.Store.Leadership;
using ClusterKit.Manager.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Remote;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace ClusterKit.Manager.Dispatcher;

/// <summary>
/// The worker sessions. The leader registers the node, tracks its heartbeats and pushes
/// changes; a follower redirects the worker to the leader.
/// </summary>
internal sealed partial class DispatcherService(
    IDispatcherCluster cluster,
    ILeadership leadership,
    DispatcherOptions options,
    ISessionIdentity identity,
    HeartbeatTracker tracker,
    SessionRegistry registry,
    NodeStateWriter nodes,
    SessionRedirects redirects,
    ILogger<DispatcherService> logger) : Proto.Manager.V1.Dispatcher.DispatcherBase
{
    public override async Task Session(IAsyncStreamReader<WorkerMessage> requestStream, IServerStreamWriter<ManagerMessage> responseStream, ServerCallContext context)
    {
        var register = await ReadRegisterAsync(requestStream, context.CancellationToken);
        var nodeId = identity.ResolveNodeId(context, register);
        if (NodeIds.Check(nodeId) is { } invalid)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "register: " + invalid));
        }

        if (register.Description is null)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"register: node {nodeId} sent no description; required: hostname, platform, resources, engine version"));
        }

        if (NodeDescriptionRules.Check(register.Description) is { } badDescription)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"register: node {nodeId}'s description refused: {badDescription}"));
        }

        if (leadership.Current is null)
        {
            var redirect = await redirects.BuildAsync("this manager is not the leader", context.CancellationToken);
            LogRedirected(logger, nodeId, redirect.Redirect.LeaderApiAddress);
            await responseStream.WriteAsync(redirect, context.CancellationToken);
            return;
        }

        var address = NodeRegistration.PeerHost(context.Peer);
        using var session = registry.Open(nodeId, address, context.CancellationToken);
        try
        {
            try
            {
                await nodes.RegisterAsync(nodeId, register.Description, address, context.CancellationToken);
            }
            catch (LeaderUnavailableException e)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, $"register: node {nodeId} could not be recorded: {e.Message}"));
            }

            tracker.Seen(nodeId);
            var managers = registry.Managers.Count > 0 ? registry.Managers : await cluster.ManagersAsync(context.CancellationToken);
            session.Push(new ManagerMessage
            {
                Accepted = new SessionAccepted
                {
                    SessionId = session.SessionId,
                    NodeId = nodeId,
                    HeartbeatPeriodMs = (long)tracker.Period.TotalMilliseconds,
                    Managers = { managers },
                },
            });
            LogAccepted(logger, nodeId, session.SessionId, address, register.Description.Hostname);

            var writing = WriteOutboxAsync(session, responseStream, context.CancellationToken);
            try
            {
                await ReadHeartbeatsAsync(session, requestStream);
            }
            finally
            {
                session.CompleteOutbox();
                await writing;
            }

            if (registry.IsShuttingDown)
            {
                // The worker's half of the stream is still open: without a reset, the web server's graceful stop waits
                // for the worker to close its connection, which it may not do before the host's shutdown timeout.
                context.GetHttpContext().Abort();
            }
        }
        finally
        {
            registry.Close(session);
            LogClosed(logger, nodeId, session.SessionId);
        }
    }

    private async Task<RegisterNode> ReadRegisterAsync(IAsyncStreamReader<WorkerMessage> requests, CancellationToken callToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(callToken);
        timeout.CancelAfter(options.RegisterTimeout);
        bool got;
        try
        {
            got = await requests.MoveNext(timeout.Token);
        }
        catch (OperationCanceledException) when (!callToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"session: no register message within {options.RegisterTimeout.TotalSeconds:0.#} s; the first message must register the node"));
        }

        if (!got)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "session: the stream ended before the register message"));
        }

        return requests.Current.MessageCase == WorkerMessage.MessageOneofCase.Register
            ? requests.Current.Register
            : throw new RpcException(new Status(StatusCode.InvalidArgument, $"session: the first message is {requests.Current.MessageCase}; allowed: register"));
    }

    private async Task ReadHeartbeatsAsync(WorkerSession session, IAsyncStreamReader<WorkerMessage> requests)
    {
        try
        {
            while (await requests.MoveNext(session.Ending))
            {
                var message = requests.Current;
                if (message.MessageCase != WorkerMessage.MessageOneofCase.Heartbeat)
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument, $"session {session.SessionId}: message {message.MessageCase} after registering; allowed: heartbeat"));
                }

                if (message.Heartbeat.SessionId != session.SessionId)
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument, $"heartbeat for session '{message.Heartbeat.SessionId}' on session {session.SessionId}; allowed: the session id this stream was given"));
                }

                tracker.Seen(session.NodeId);
                session.Push(new ManagerMessage { HeartbeatAck = new HeartbeatAck { HeartbeatPeriodMs = (long)tracker.Period.TotalMilliseconds } });
                await MarkReadyIfNeededAsync(session);
            }
        }
        catch (OperationCanceledException) when (session.Ending.IsCancellationRequested)
        {
            // The worker went away, or this manager ended the session (it stopped leading, or
            // a newer session of the same node replaced this one).
        }
        catch (IOException e)
        {
            LogBroken(logger, session.NodeId, session.SessionId, e.Message);
        }
    }

    /// <summary>A heartbeat from a node the leader had marked down: it is back.</summary>
    private async Task MarkReadyIfNeededAsync(WorkerSession session)
    {
        if (nodes.CurrentState(session.NodeId) == NodeState.Ready || leadership.Current is null)
        {
            return;
        }

        try
        {
            if (await nodes.ChangeStateAsync(session.NodeId, NodeState.Ready, string.Empty, session.Ending))
            {
                LogBackReady(logger, session.NodeId);
            }
        }
        catch (LeaderUnavailableException e)
        {
            LogStoreUnavailable(logger, session.NodeId, e.Message);
        }
    }

    private static async Task WriteOutboxAsync(WorkerSession session, IServerStreamWriter<ManagerMessage> responses, CancellationToken callToken)
    {
        try
        {
            await foreach (var message in session.Outbox.ReadAllAsync(callToken))
            {
                await responses.WriteAsync(message, callToken);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The worker's side is gone; the reader notices too.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} of node {NodeId} ({Hostname}) from {Address} accepted")]
    private static partial void LogAccepted(ILogger logger, string nodeId, string sessionId, string address, string hostname);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} of node {NodeId} closed")]
    private static partial void LogClosed(ILogger logger, string nodeId, string sessionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} asked for a session on a follower; redirected to leader '{Leader}'")]
    private static partial void LogRedirected(ILogger logger, string nodeId, string leader);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} heartbeats again: ready")]
    private static partial void LogBackReady(ILogger logger, string nodeId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId} of node {NodeId} broke: {Error}")]
    private static partial void LogBroken(ILogger logger, string nodeId, string sessionId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {NodeId}: the store took no write: {Error}")]
    private static partial void LogStoreUnavailable(ILogger logger, string nodeId, string error);
}
