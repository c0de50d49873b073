using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClusterKit.Manager.Dispatcher;

public static class DispatcherServiceCollectionExtensions
{
    /// <summary>
    /// The dispatcher's parts: heartbeat tracking, sessions, the leader's node health loop.
    /// Register an <see cref="ISessionIdentity"/> before this call to take node ids from elsewhere (certificates).
    /// </summary>
    public static IServiceCollection AddClusterKitDispatcher(this IServiceCollection services, DispatcherOptions options, Func<IServiceProvider, IDispatcherCluster> cluster)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ISessionIdentity, RegisteredNodeIdentity>();
        services.AddSingleton(cluster);
        services.AddSingleton(sp => new HeartbeatTracker(sp.GetRequiredService<TimeProvider>(), options.HeartbeatPeriod, options.MissedHeartbeats));
        services.AddSingleton<SessionRegistry>();
        services.AddSingleton<SessionRedirects>();
        services.AddSingleton<NodeStateWriter>();
        services.AddHostedService<NodeHealthMonitor>();
        services.AddHostedService<SessionShutdown>();
        return services;
    }

    /// <summary>Serves the Dispatcher gRPC service (call after <see cref="AddClusterKitDispatcher"/>).</summary>
    public static IEndpointConventionBuilder MapClusterKitDispatcher(this IEndpointRouteBuilder endpoints)
        => endpoints.MapGrpcService<DispatcherService>();
}
