using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClusterKit.Manager.Dispatcher;

/// <summary>
/// Keeps the manager list that sessions and redirects carry, on every manager (a follower's redirects carry it
/// too), and pushes a change to live sessions. At shutdown it ends the sessions still open.
/// </summary>
internal sealed partial class ManagerListRefresher(
    IDispatcherCluster cluster,
    DispatcherOptions options,
    HeartbeatTracker tracker,
    SessionRegistry registry,
    TimeProvider time,
    ILogger<ManagerListRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Its own loop: asking an unreachable manager for its address must never delay a down decision.
        await PeriodicStep.RunAsync(() => options.ManagerListRefresh, RefreshAsync, time, logger, stoppingToken);
        registry.EndAll(null);
    }

    internal async Task RefreshAsync(CancellationToken token)
    {
        var managers = await cluster.ManagersAsync(token);
        if (managers.Count > 0 && registry.UpdateManagers(managers, tracker.Period))
        {
            LogManagers(logger, string.Join(", ", managers.Select(m => $"{m.NodeId}={m.ApiAddress}")), registry.Count);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Managers for workers: {Managers} (pushed to {Sessions} sessions)")]
    private static partial void LogManagers(ILogger logger, string managers, int sessions);
}
