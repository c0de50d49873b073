using ClusterKit.Worker.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ClusterKit.Worker.Session;

public static class SessionServiceCollectionExtensions
{
    /// <summary>
    /// The session with the managers, from <see cref="WorkerOptions.Managers"/> and <see cref="WorkerOptions.NodeId"/>.
    /// Register another <see cref="IManagerChannelFactory"/> first to change how managers are reached (mutual TLS).
    /// </summary>
    public static IServiceCollection AddManagerSession(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IManagerChannelFactory, H2cManagerChannelFactory>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<WorkerOptions>>().Value;
            return new ManagerSession(
                new ManagerSessionOptions
                {
                    NodeId = options.NodeId ?? throw new InvalidOperationException("Worker:NodeId is required with Worker:Managers"),
                    Managers = ManagerAddresses.Parse("--manager", options.Managers),
                    Description = HostDescription.Read(options.NodeLabels),
                    ManagerListPath = options.ManagerListPath,
                },
                sp.GetRequiredService<IManagerChannelFactory>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<ManagerSession>>());
        });
        services.AddHostedService(sp => sp.GetRequiredService<ManagerSession>());
        return services;
    }
}
