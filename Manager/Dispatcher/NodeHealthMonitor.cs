using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Leadership;
using ClusterKit.Manager.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using Microsoft.Extensions.Logging;

namespace ClusterKit.Manager.Dispatcher;

/// <summary>
/// The leader's node health, one run per term led: gives every node a grace period when the term starts,
/// marks nodes DOWN after missed heartbeats, pushes the cluster's heartbeat period to workers, and ends the
/// sessions with a redirect when the term ends.
/// </summary>
internal sealed partial class NodeHealthMonitor(
    IStore store,
    DispatcherOptions options,
    HeartbeatTracker tracker,
    SessionRegistry registry,
    NodeStateWriter nodes,
    SessionRedirects redirects,
    TimeProvider time,
    ILogger<NodeHealthMonitor> logger) : ILeaderService
{
    private static readonly TimeSpan MaxTick = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MinTick = TimeSpan.FromMilliseconds(10);

    /// <summary>How long a manager that stepped down may take to find the new leader for its redirect.</summary>
    private static readonly TimeSpan RedirectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A quarter period: a late node is marked down at most that long after its deadline.</summary>
    internal TimeSpan Tick => TimeSpan.FromTicks(Math.Clamp(tracker.Period.Ticks / 4, MinTick.Ticks, MaxTick.Ticks));

    public async Task LeadAsync(LeaderTerm term, CancellationToken stepDown)
    {
        ArgumentNullException.ThrowIfNull(term);
        StartLeading();
        try
        {
            await PeriodicStep.RunAsync(() => Tick, CheckAsync, time, logger, stepDown);
        }
        finally
        {
            await StopLeadingAsync(term);
        }
    }

    internal async Task CheckAsync(CancellationToken token)
    {
        ApplyClusterPeriod();
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
        var configured = store.View(tx => tx.List<Cluster>().Select(c => c.HeartbeatPeriodMs).FirstOrDefault(ms => ms > 0));
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
    /// This manager just became leader: it has heard from nobody yet (the tracker was cleared when its last term
    /// ended; a session accepted since is kept). Every node the store says is ready gets a whole timeout from now
    /// to reconnect before it is marked down.
    /// </summary>
    private void StartLeading()
    {
        var ready = store.View(tx => tx.Find<Node>(n => NodeRegistration.StateOf(n) == NodeState.Ready));
        foreach (var node in ready.Where(n => tracker.SilenceOf(n.Id) is null))
        {
            tracker.StartGrace(node.Id);
        }

        LogLeading(logger, ready.Count, tracker.Timeout.TotalSeconds);
    }

    /// <summary>Stepped down: the sessions are sent to the new leader. The manager stopping: they simply end.</summary>
    private async Task StopLeadingAsync(LeaderTerm term)
    {
        tracker.Clear();
        if (!term.IsOver)
        {
            registry.EndAll(null);
            return;
        }

        if (registry.Count == 0)
        {
            return;
        }

        ManagerMessage? redirect = null;
        using var timeout = new CancellationTokenSource(RedirectTimeout, time);
        try
        {
            redirect = await redirects.BuildAsync("this manager stopped leading", timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or LeaderUnavailableException or InvalidOperationException)
        {
            LogRedirectUnknown(logger, e.Message);
        }

        var ended = registry.EndAll(redirect);
        LogStoppedLeading(logger, ended, redirect?.Redirect.LeaderApiAddress ?? string.Empty);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Heartbeat period is now {PeriodMs} ms (pushed to {Sessions} sessions)")]
    private static partial void LogPeriod(ILogger logger, double periodMs, int sessions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {NodeId} is down: {Message}")]
    private static partial void LogDown(ILogger logger, string nodeId, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Leading the worker sessions: {Ready} ready nodes have {Grace} s to reconnect")]
    private static partial void LogLeading(ILogger logger, int ready, double grace);

    [LoggerMessage(Level = LogLevel.Information, Message = "No longer leader: ended {Sessions} sessions with a redirect to '{Leader}'")]
    private static partial void LogStoppedLeading(ILogger logger, int sessions, string leader);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stepped down, but the new leader is not known for the redirect: {Error}")]
    private static partial void LogRedirectUnknown(ILogger logger, string error);
}
