using ClusterKit.Proto.Manager.V1;
using Grpc.Core;

namespace ClusterKit.Worker.Session;

/// <summary>
/// The worker's one stream with the managers: registers the node, heartbeats at the period
/// the managers push, keeps (and saves) their latest list, follows redirects to the leader
/// and, when the stream breaks or the manager falls silent, moves to the next manager after
/// a short backoff.
/// </summary>
public sealed partial class ManagerSession : BackgroundService
{
    private const int MaxRedirectsInRow = 3;

    private readonly ManagerSessionOptions _options;
    private readonly IManagerChannelFactory _channels;
    private readonly TimeProvider _time;
    private readonly ILogger<ManagerSession> _logger;
    private readonly ManagerList _managers;
    private readonly ManagerListFile? _file;
    private ManagerSessionStatus _status;
    private IReadOnlyList<string> _published;
    private long _periodTicks;
    private int _accepted;

    public ManagerSession(ManagerSessionOptions options, IManagerChannelFactory channels, TimeProvider time, ILogger<ManagerSession> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _channels = channels;
        _time = time;
        _logger = logger;
        _periodTicks = options.InitialHeartbeatPeriod.Ticks;
        _file = options.ManagerListPath is null ? null : new ManagerListFile(options.ManagerListPath);

        // The command line first (the operator's latest word), then what the managers said last time.
        IReadOnlyList<string> saved = [];
        if (_file is not null)
        {
            saved = _file.Load(out var skipped);
            if (skipped.Count > 0)
            {
                LogSkippedSaved(_logger, _file.Path, string.Join(", ", skipped));
            }
        }

        _managers = new ManagerList([.. options.Managers, .. saved]);
        _published = [];
        _status = new ManagerSessionStatus(false, null, null, HeartbeatPeriod, _managers.Addresses, 0, null);
    }

    public ManagerSessionStatus Status => Volatile.Read(ref _status);

    private TimeSpan HeartbeatPeriod => TimeSpan.FromTicks(Interlocked.Read(ref _periodTicks));

    private TimeSpan SilenceLimit => HeartbeatPeriod * _options.MissedAcks;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        var redirects = 0;
        string? redirectTo = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            string address;
            if (redirectTo is not null)
            {
                _managers.MoveTo(redirectTo);
                PublishManagers();
                address = redirectTo;
                redirectTo = null;
            }
            else
            {
                address = _managers.Next();
            }

            SessionEnd end;
            try
            {
                end = await RunAsync(address, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is RpcException or IOException or TimeoutException or HttpRequestException or InvalidOperationException or OperationCanceledException)
            {
                end = SessionEnd.Failed(Describe(e));
            }

            SetStatus(s => s with { Connected = false, SessionId = null, LastError = end.Error });
            TimeSpan delay;
            if (end.RedirectTo is { Length: > 0 } leader && ++redirects <= MaxRedirectsInRow)
            {
                // Straight to the leader: a redirect is an answer, not a failure.
                LogRedirected(_logger, address, leader);
                redirectTo = leader;
                delay = TimeSpan.Zero;
            }
            else if (end.WasAccepted)
            {
                LogSessionEnded(_logger, address, end.Error ?? "closed by the manager");
                failures = 0;
                redirects = 0;
                delay = _options.FirstRetryDelay;
            }
            else
            {
                failures++;
                redirects = 0;
                delay = Backoff(failures);
                LogAttemptFailed(_logger, address, end.Error ?? "no session", delay.TotalMilliseconds);
            }

            if (delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(delay, _time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    /// <summary>One session with one manager, from register to the end of the stream.</summary>
    private async Task<SessionEnd> RunAsync(string address, CancellationToken stoppingToken)
    {
        SetStatus(s => s with { ManagerAddress = address });
        using var session = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        using var channel = _channels.Create(address);
        var client = new Dispatcher.DispatcherClient(channel);
        using var call = client.Session(cancellationToken: session.Token);

        await call.RequestStream.WriteAsync(new WorkerMessage
        {
            Register = new RegisterNode { NodeId = _options.NodeId, Description = _options.Description },
        }, session.Token);

        var first = await ReadAsync(call, address, TimeSpan.FromTicks(Math.Max(_options.AcceptTimeout.Ticks, SilenceLimit.Ticks)), session.Token);
        switch (first?.MessageCase)
        {
            case ManagerMessage.MessageOneofCase.Redirect:
                TakeManagers(first.Redirect.Managers);
                return SessionEnd.Redirected(first.Redirect.LeaderApiAddress, first.Redirect.Reason);
            case ManagerMessage.MessageOneofCase.Accepted:
                break;
            case null:
                return SessionEnd.Failed($"manager {address} closed the stream before accepting the session");
            default:
                return SessionEnd.Failed($"manager {address} answered the register message with {first.MessageCase}; expected accepted or redirect");
        }

        var accepted = first.Accepted;
        SetPeriod(accepted.HeartbeatPeriodMs);
        TakeManagers(accepted.Managers);
        var count = Interlocked.Increment(ref _accepted);
        SetStatus(s => s with { Connected = true, SessionId = accepted.SessionId, SessionsAccepted = count, LastError = null });
        LogAccepted(_logger, address, accepted.SessionId, HeartbeatPeriod.TotalMilliseconds);

        var heartbeats = HeartbeatAsync(call, accepted.SessionId, session);
        try
        {
            while (true)
            {
                var message = await ReadAsync(call, address, SilenceLimit, session.Token);
                switch (message?.MessageCase)
                {
                    case null:
                        return SessionEnd.Ended(null);
                    case ManagerMessage.MessageOneofCase.Redirect:
                        TakeManagers(message.Redirect.Managers);
                        return SessionEnd.Redirected(message.Redirect.LeaderApiAddress, message.Redirect.Reason, wasAccepted: true);
                    case ManagerMessage.MessageOneofCase.Update:
                        SetPeriod(message.Update.HeartbeatPeriodMs);
                        TakeManagers(message.Update.Managers);
                        break;
                    case ManagerMessage.MessageOneofCase.HeartbeatAck:
                        SetPeriod(message.HeartbeatAck.HeartbeatPeriodMs);
                        break;
                    default:
                        // A message this worker does not know yet (a newer manager): not an error.
                        break;
                }
            }
        }
        catch (Exception e) when (e is RpcException or IOException or TimeoutException && !stoppingToken.IsCancellationRequested)
        {
            return SessionEnd.Ended(Describe(e));
        }
        finally
        {
            await session.CancelAsync();
            await heartbeats;
        }
    }

    /// <summary>The next message, null at the end of the stream; a manager silent for too long is a <see cref="TimeoutException"/>.</summary>
    private async Task<ManagerMessage?> ReadAsync(AsyncDuplexStreamingCall<WorkerMessage, ManagerMessage> call, string address, TimeSpan limit, CancellationToken token)
    {
        using var silence = new CancellationTokenSource(limit, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, silence.Token);
        try
        {
            return await call.ResponseStream.MoveNext(linked.Token) ? call.ResponseStream.Current : null;
        }
        catch (Exception e) when (silence.IsCancellationRequested && !token.IsCancellationRequested && e is RpcException or OperationCanceledException)
        {
            throw new TimeoutException($"manager {address} sent nothing for {limit.TotalSeconds:0.###} s");
        }
    }

    private async Task HeartbeatAsync(AsyncDuplexStreamingCall<WorkerMessage, ManagerMessage> call, string sessionId, CancellationTokenSource session)
    {
        var heartbeat = new WorkerMessage { Heartbeat = new Heartbeat { SessionId = sessionId } };
        try
        {
            while (!session.IsCancellationRequested)
            {
                await Task.Delay(HeartbeatPeriod, _time, session.Token);
                await call.RequestStream.WriteAsync(heartbeat, session.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException or IOException or InvalidOperationException)
        {
            // The reader sees the same broken stream; make sure it stops waiting.
            if (!session.IsCancellationRequested)
            {
                LogHeartbeatFailed(_logger, sessionId, e.Message);
                await session.CancelAsync();
            }
        }
    }

    private void SetPeriod(long milliseconds)
    {
        if (milliseconds > 0)
        {
            Interlocked.Exchange(ref _periodTicks, TimeSpan.FromMilliseconds(milliseconds).Ticks);
            SetStatus(s => s with { HeartbeatPeriod = HeartbeatPeriod });
        }
    }

    private void TakeManagers(IEnumerable<ManagerAddress> managers)
    {
        _managers.Replace(managers.Select(m => ManagerAddresses.Check(m.ApiAddress)).OfType<string>());
        PublishManagers();
    }

    /// <summary>Shows and saves the list when it differs from the one last saved.</summary>
    private void PublishManagers()
    {
        var list = _managers.Addresses;
        if (list.SequenceEqual(_published, StringComparer.OrdinalIgnoreCase))
        {
            return;
        }

        _published = list;
        SetStatus(s => s with { Managers = list });
        LogManagers(_logger, string.Join(", ", list));
        if (_file is not null)
        {
            try
            {
                _file.Save(list);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogSaveFailed(_logger, _file.Path, e.Message);
            }
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var exponent = Math.Min(failures - 1, 10);
        var ticks = Math.Min(_options.FirstRetryDelay.Ticks << exponent, _options.MaxRetryDelay.Ticks);

        // Jitter keeps many workers from reconnecting in step after a manager dies.
        return TimeSpan.FromTicks((long)(ticks * (0.8 + (Random.Shared.NextDouble() * 0.4))));
    }

    private void SetStatus(Func<ManagerSessionStatus, ManagerSessionStatus> change)
    {
        ManagerSessionStatus current, next;
        do
        {
            current = Volatile.Read(ref _status);
            next = change(current);
        }
        while (!ReferenceEquals(Interlocked.CompareExchange(ref _status, next, current), current));
    }

    private static string Describe(Exception e) => e switch
    {
        RpcException rpc => $"{rpc.StatusCode}: {rpc.Status.Detail}",
        _ => e.Message,
    };

    private sealed record SessionEnd(bool WasAccepted, string? RedirectTo, string? Error)
    {
        public static SessionEnd Failed(string error) => new(false, null, error);

        public static SessionEnd Ended(string? error) => new(true, null, error);

        public static SessionEnd Redirected(string leader, string reason, bool wasAccepted = false) => new(wasAccepted, leader, "redirected: " + reason);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} with manager {Manager} accepted; heartbeat every {PeriodMs} ms")]
    private static partial void LogAccepted(ILogger logger, string manager, string sessionId, double periodMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Manager {Manager} redirected this worker to the leader {Leader}")]
    private static partial void LogRedirected(ILogger logger, string manager, string leader);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session with manager {Manager} ended: {Reason}; trying the next manager")]
    private static partial void LogSessionEnded(ILogger logger, string manager, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No session with manager {Manager}: {Error}; next attempt in {DelayMs:0} ms")]
    private static partial void LogAttemptFailed(ILogger logger, string manager, string error, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat on session {SessionId} failed: {Error}")]
    private static partial void LogHeartbeatFailed(ILogger logger, string sessionId, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Managers: {Managers}")]
    private static partial void LogManagers(ILogger logger, string managers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not save the manager list to {Path}: {Error}")]
    private static partial void LogSaveFailed(ILogger logger, string path, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Saved manager list {Path}: skipped lines that are not HOST:PORT: {Lines}")]
    private static partial void LogSkippedSaved(ILogger logger, string path, string lines);
}
