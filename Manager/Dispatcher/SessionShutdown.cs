using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClusterKit.Manager.Dispatcher;

/// <summary>
/// Ends the worker sessions as soon as the manager starts to stop. A session is a long gRPC stream: left open, the web
/// server waits for it until the host's shutdown timeout (30 s), and its worker keeps talking to a manager that is going.
/// </summary>
internal sealed partial class SessionShutdown(IHostApplicationLifetime lifetime, SessionRegistry registry, ILogger<SessionShutdown> logger) : IHostedService
{
    private CancellationTokenRegistration _stopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = lifetime.ApplicationStopping.Register(() => LogEnded(logger, registry.ShutDown()));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => _stopping.DisposeAsync().AsTask();

    [LoggerMessage(Level = LogLevel.Information, Message = "Manager stopping: ended {Sessions} worker sessions; their workers move to another manager")]
    private static partial void LogEnded(ILogger logger, int sessions);
}
