using ClusterKit.Manager.Store.Leadership;

namespace ClusterKit.Manager.Host.Leadership;

/// <summary>
/// The one place where leader-only work starts and stops: every registered <see cref="ILeaderService"/> starts
/// when this manager begins leading a term, and on step-down its token is cancelled and it is awaited before a
/// later term starts anything again. A follower runs none of them.
/// </summary>
internal sealed partial class LeaderServices(ILeadership leadership, IEnumerable<ILeaderService> services, ILogger<LeaderServices> logger) : BackgroundService
{
    private readonly ILeaderService[] _services = [.. services];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            LeaderTerm term;
            try
            {
                term = await leadership.WaitForTermAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            await LeadAsync(term, stoppingToken);
        }
    }

    /// <summary>Runs every service for <paramref name="term"/> and returns once all have stopped.</summary>
    internal async Task LeadAsync(LeaderTerm term, CancellationToken stoppingToken)
    {
        using var stepDown = CancellationTokenSource.CreateLinkedTokenSource(term.Lost, stoppingToken);
        LogStarting(logger, term.Term, _services.Length);
        await Task.WhenAll(_services.Select(s => RunAsync(s, term, stepDown.Token)));
        LogStopped(logger, term.Term, term.IsOver ? "stepped down" : "manager stopping");
    }

    private async Task RunAsync(ILeaderService service, LeaderTerm term, CancellationToken stepDown)
    {
        try
        {
            // Off the caller's thread: one service's synchronous start must not hold up the others.
            await Task.Run(() => service.LeadAsync(term, stepDown), CancellationToken.None);
        }
        catch (OperationCanceledException) when (stepDown.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // Left stopped until the next term: a service that fails again and again would only flood the log.
            LogFailed(logger, service.GetType().Name, term.Term, e.GetType().Name, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Leading term {Term}: starting {Count} leader services")]
    private static partial void LogStarting(ILogger logger, long term, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Term {Term} over ({Why}): every leader service has stopped")]
    private static partial void LogStopped(ILogger logger, long term, string why);

    [LoggerMessage(Level = LogLevel.Error, Message = "Leader service {Service} failed in term {Term} and stays stopped until the next term: {Type}: {Error}")]
    private static partial void LogFailed(ILogger logger, string service, long term, string type, string error);
}
