using ClusterKit.Manager.Registry.GarbageCollection;
using ClusterKit.Manager.Registry.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ClusterKit.Manager.Registry.Replication;

public static class RegistryReplicationServiceCollectionExtensions
{
    /// <summary>
    /// Blob bytes on every manager, manifest puts acknowledged once durable, and garbage collection, for a host that keeps registry metadata in the replicated
    /// store: call before <c>AddClusterKitRegistry</c>. The host registers an <see cref="IManagerMembership"/>, an
    /// <see cref="IBlobPeerFetcher"/> (the managers' gRPC channel) and the store's <c>ILeadership</c>.
    /// </summary>
    public static IServiceCollection AddClusterKitRegistryReplication(
        this IServiceCollection services,
        Action<BlobReplicationOptions>? replication = null,
        Action<RegistryGarbageCollectionOptions>? garbageCollection = null,
        Action<RegistryDurabilityOptions>? durability = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<BlobReplicationOptions>().Configure(replication ?? (_ => { })).ValidateOnStart();
        services.AddOptions<RegistryDurabilityOptions>().Configure(durability ?? (_ => { })).ValidateOnStart();
        services.AddOptions<RegistryGarbageCollectionOptions>().Configure(garbageCollection ?? (_ => { })).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BlobReplicationOptions>, BlobReplicationOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RegistryGarbageCollectionOptions>, RegistryGarbageCollectionOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RegistryDurabilityOptions>, RegistryDurabilityOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StoreBlobLocations>();
        services.TryAddSingleton<IBlobLocations>(sp => sp.GetRequiredService<StoreBlobLocations>());
        services.TryAddSingleton<PeerBlobCopier>();
        services.TryAddSingleton<IBlobSource, ReadThroughBlobSource>();
        services.TryAddSingleton<IBlobDurability, StoreBlobDurability>();
        services.TryAddSingleton<RegistryGarbageCollector>();
        services.TryAddSingleton<LocalBlobSweeper>();
        services.TryAddSingleton<RegistryMaintenance>();
        services.AddHostedService<BlobReplicator>();
        services.AddHostedService<RegistryGarbageCollectionService>();
        return services;
    }
}
