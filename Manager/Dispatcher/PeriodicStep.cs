using Microsoft.Extensions.Logging;

namespace ClusterKit.Manager.Dispatcher;

/// <summary>Runs one step of a dispatcher loop again and again until cancelled; a failing step is told once and retried next round.</summary>
internal static partial class PeriodicStep
{
    public static async Task RunAsync(Func<TimeSpan> interval, Func<CancellationToken, Task> step, TimeProvider time, ILogger logger, CancellationToken token)
    {
        string? lastError = null;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await step(token).ConfigureAwait(false);
                lastError = null;
                await Task.Delay(interval(), time, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // A leader change or a slow store: the next round decides again from scratch.
                // The same failure every tick (a manager not yet in a cluster) is told once.
                if (e.Message != lastError)
                {
                    LogStepFailed(logger, e.GetType().Name, e.Message);
                    lastError = e.Message;
                }

                try
                {
                    await Task.Delay(interval(), time, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node health check failed, retrying next tick: {Type}: {Error}")]
    private static partial void LogStepFailed(ILogger logger, string type, string error);
}
