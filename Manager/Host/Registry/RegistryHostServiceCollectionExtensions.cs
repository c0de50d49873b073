using ClusterKit.Manager.Registry.GarbageCollection;
using ClusterKit.Manager.Registry.Replication;

namespace ClusterKit.Manager.Host.Registry;

/// <summary>The manager's part of registry replication and garbage collection: membership and peer fetches over gRPC.</summary>
public static class RegistryHostServiceCollectionExtensions
{
    /// <summary>
    /// Registers blob replication and garbage collection for ck-manager (call before <c>AddClusterKitRegistry</c>, and map
    /// the services with <see cref="MapClusterKitRegistryPeer"/>). Needs the store-backed registry metadata and
    /// <see cref="ManagerServiceCollectionExtensions.AddClusterKitManager"/>'s membership and TLS slots.
    /// </summary>
    public static IServiceCollection AddClusterKitRegistryPeers(
        this IServiceCollection services,
        Action<BlobReplicationOptions>? replication = null,
        Action<RegistryGarbageCollectionOptions>? garbageCollection = null,
        Action<RegistryDurabilityOptions>? durability = null)
    {
        services.AddSingleton<StoreManagerMembership>();
        services.AddSingleton<IManagerMembership>(sp => sp.GetRequiredService<StoreManagerMembership>());
        services.AddSingleton<IBlobPeerFetcher, GrpcBlobPeerFetcher>();
        return services.AddClusterKitRegistryReplication(replication, garbageCollection, durability);
    }

    /// <summary>Serves <c>RegistryPeer</c> (managers only) and <c>RegistryMaintenanceService</c> (operators only).</summary>
    public static IEndpointRouteBuilder MapClusterKitRegistryPeer(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<RegistryPeerService>();
        endpoints.MapGrpcService<RegistryMaintenanceControlService>();
        return endpoints;
    }
}
