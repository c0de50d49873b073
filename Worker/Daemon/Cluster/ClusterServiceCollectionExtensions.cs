using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClusterKit.Worker.Cluster;

public static class ClusterServiceCollectionExtensions
{
    /// <summary>The worker's cluster membership (join, TLS session from DataRoot/identity, renewal); map <c>MapWorkerCluster</c> too.</summary>
    public static IServiceCollection AddWorkerCluster(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<WorkerMembership>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkerMembership>());
        return services;
    }

    public static IEndpointRouteBuilder MapWorkerCluster(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<ClusterApi>();
        return endpoints;
    }
}
