using ClusterKit.Proto.Manager.V1;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClusterKit.Manager.Dispatcher;

/// <summary>
/// The leader's loop: marks nodes DOWN after missed heartbeats, gives every node a grace
/// period when this manager becomes leader, ends sessions with a redirect when it stops
/// leading, and pushes the manager list to workers when it changes.
/// </summary>
internal sealed partial class NodeHealthMonitor(
    IDispatcherCluster cluster,
    DispatcherOptions options,
    HeartbeatTracker tracker,
    SessionRegistry registry,
    NodeStateWriter nodes,
    SessionRedirects redirects,
    TimeProvider time,
    ILogger<NodeHealthMonitor> logger) : BackgroundService
{
    private static readonly TimeSpan MaxTick = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MinTick = TimeSpan.FromMilliseconds(10);

    private bool _leading;

    /// <summary>A quarter period: a late node is marked down at most that long after its deadline.</summary>
    internal TimeSpan Tick => TimeSpan.FromTicks(Math.Clamp(tracker.Period.Ticks / 4, MinTick.Ticks, MaxTick.Ticks));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Two loops: asking an unreachable manager for its address must never delay a down decision.
        await Task.WhenAll(
            EveryAsync(() => Tick, CheckAsync, stoppingToken),
            EveryAsync(() => options.ManagerListRefresh, RefreshManagersAsync, stoppingToken));
        registry.EndAll(null);
    }

    private async Task EveryAsync(Func<TimeSpan> interval, Func<CancellationToken, Task> step, CancellationToken stoppingToken)
    {
        string? lastError = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await step(stoppingToken);
                lastError = null;
                await Task.Delay(interval(), time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // A leader change or a slow store: the next round decides again from scratch.
                // The same failure every tick (a manager not yet in a cluster) is told once.
                if (e.Message != lastError)
                {
                    LogCheckFailed(logger, e.GetType().Name, e.Message);
                    lastError = e.Message;
                }
                try
                {
                    await Task.Delay(interval(), time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    /// <summary>Followers keep the list too: their redirects carry it.</summary>
    internal async Task RefreshManagersAsync(CancellationToken token)
    {
        var managers = await cluster.ManagersAsync(token);
        if (managers.Count > 0 && registry.UpdateManagers(managers, tracker.Period))
        {
            LogManagers(logger, string.Join(", ", managers.Select(m => $"{m.NodeId}={m.ApiAddress}")), registry.Count);
        }
    }

    internal async Task CheckAsync(CancellationToken token)
    {
        var leading = cluster.IsLeader;
        if (leading != _leading)
        {
            _leading = leading;
            if (leading)
            {
                StartLeading();
            }
            else
            {
                await StopLeadingAsync(token);
            }
        }

        ApplyClusterPeriod();
        if (!leading)
        {
            return;
        }

        foreach (var late in tracker.Late())
        {
            if (nodes.CurrentState(late.NodeId) != NodeState.Ready)
            {
                continue;
            }

            var message = $"no heartbeat for {late.Silence.TotalSeconds:0.0} s";
            if (await nodes.ChangeStateAsync(late.NodeId, NodeState.Down, message, token))
            {
                LogDown(logger, late.NodeId, message);
            }
        }
    }

    /// <summary>
    /// The cluster object's heartbeat period, when one is set, overrides this manager's
    /// option (so every manager pushes the same one); a change is pushed to every worker.
    /// </summary>
    private void ApplyClusterPeriod()
    {
        var configured = cluster.Store.View(tx => tx.List<Cluster>().Select(c => c.HeartbeatPeriodMs).FirstOrDefault(ms => ms > 0));
        var period = configured > 0 ? TimeSpan.FromMilliseconds(configured) : options.HeartbeatPeriod;
        if (period == tracker.Period)
        {
            return;
        }

        tracker.Period = period;
        var told = registry.Broadcast(period);
        LogPeriod(logger, period.TotalMilliseconds, told);
    }

    /// <summary>
    /// This manager just became leader: it has heard from nobody yet. Every node the store
    /// says is ready gets a whole timeout from now to reconnect before it is marked down.
    /// </summary>
    private void StartLeading()
    {
        tracker.Clear();
        var ready = cluster.Store.View(tx => tx.Find<Node>(n => NodeRegistration.StateOf(n) == NodeState.Ready));
        foreach (var node in ready)
        {
            tracker.StartGrace(node.Id);
        }

        LogLeading(logger, ready.Count, tracker.Timeout.TotalSeconds);
    }

    private async Task StopLeadingAsync(CancellationToken token)
    {
        tracker.Clear();
        if (registry.Count == 0)
        {
            return;
        }

        var redirect = await redirects.BuildAsync("this manager stopped leading", token);
        var ended = registry.EndAll(redirect);
        LogStoppedLeading(logger, ended, redirect.Redirect.LeaderApiAddress);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Heartbeat period is now {PeriodMs} ms (pushed to {Sessions} sessions)")]
    private static partial void LogPeriod(ILogger logger, double periodMs, int sessions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {NodeId} is down: {Message}")]
    private static partial void LogDown(ILogger logger, string nodeId, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Leading the worker sessions: {Ready} ready nodes have {Grace} s to reconnect")]
    private static partial void LogLeading(ILogger logger, int ready, double grace);

    [LoggerMessage(Level = LogLevel.Information, Message = "No longer leader: ended {Sessions} sessions with a redirect to '{Leader}'")]
    private static partial void LogStoppedLeading(ILogger logger, int sessions, string leader);

    [LoggerMessage(Level = LogLevel.Information, Message = "Managers for workers: {Managers} (pushed to {Sessions} sessions)")]
    private static partial void LogManagers(ILogger logger, string managers, int sessions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node health check failed, retrying next tick: {Type}: {Error}")]
    private static partial void LogCheckFailed(ILogger logger, string type, string error);
}
