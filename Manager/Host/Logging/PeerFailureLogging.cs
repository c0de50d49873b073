using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Console;

namespace ClusterKit.Manager.Host.Logging;

/// <summary>Puts <see cref="PeerFailureLoggerProvider"/> around the console provider registered before it.</summary>
internal static class PeerFailureLogging
{
    public static void Install(IServiceCollection services)
    {
        var console = services.LastOrDefault(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationType == typeof(ConsoleLoggerProvider))
            ?? throw new InvalidOperationException("the console logger must be added before the peer-failure filter wraps it");
        services.Remove(console);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ILoggerProvider>(sp => new PeerFailureLoggerProvider(
            ActivatorUtilities.CreateInstance<ConsoleLoggerProvider>(sp),
            sp.GetRequiredService<TimeProvider>()));
    }
}
