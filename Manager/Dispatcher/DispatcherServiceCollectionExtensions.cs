using ClusterKit.Manager.Store.Leadership;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClusterKit.Manager.Dispatcher;

public static class DispatcherServiceCollectionExtensions
{
    /// <summary>
    /// The dispatcher's parts: heartbeat tracking, sessions, the manager list, and node health as a leader
    /// service (<see cref="ILeaderService"/>). The manager registers the <see cref="Store.IStore"/> and the
    /// <see cref="ILeadership"/> they use. Register an <see cref="ISessionIdentity"/> before this call to take
    /// node ids from elsewhere (certificates).
    /// </summary>
    public static IServiceCollection AddClusterKitDispatcher(this IServiceCollection services, DispatcherOptions options, Func<IServiceProvider, IDispatcherCluster> cluster)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.TryAddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ISessionIdentity, RegisteredNodeIdentity>();
        services.TryAddSingleton(cluster);
        services.TryAddSingleton(sp => new HeartbeatTracker(sp.GetRequiredService<TimeProvider>(), options.HeartbeatPeriod, options.MissedHeartbeats));
        services.TryAddSingleton<SessionRegistry>();
        services.TryAddSingleton<SessionRedirects>();
        services.TryAddSingleton<NodeStateWriter>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILeaderService, NodeHealthMonitor>());
        services.AddHostedService<ManagerListRefresher>();
        services.AddHostedService<SessionShutdown>();
        return services;
    }

    /// <summary>Serves the Dispatcher gRPC service (call after <see cref="AddClusterKitDispatcher"/>).</summary>
    public static IEndpointConventionBuilder MapClusterKitDispatcher(this IEndpointRouteBuilder endpoints)
        => endpoints.MapGrpcService<DispatcherService>();
}
