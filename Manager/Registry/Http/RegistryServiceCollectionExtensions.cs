using ClusterKit.Manager.Registry.Metadata;
using ClusterKit.Manager.Registry.Replication;
using ClusterKit.Manager.Registry.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClusterKit.Manager.Registry.Http;

public static class RegistryServiceCollectionExtensions
{
    /// <summary>
    /// The registry's services: blobs under <paramref name="dataRoot"/> and, unless the host registered other
    /// metadata (the Raft store's), metadata in memory. The host must also register an <see cref="IRegistryAccess"/>.
    /// </summary>
    public static IServiceCollection AddClusterKitRegistry(this IServiceCollection services, string dataRoot)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(dataRoot);
        services.TryAddSingleton<IBlobStore>(_ => new FileBlobStore(dataRoot));
        services.TryAddSingleton<IBlobSource, LocalBlobSource>();
        services.TryAddSingleton<IBlobLocations, NoBlobLocations>();
        services.TryAddSingleton<IBlobDurability, NoBlobDurability>();
        services.TryAddSingleton<IRegistryMetadata, InMemoryRegistryMetadata>();
        services.TryAddSingleton<ManifestBytes>();
        services.TryAddSingleton<RegistryAuthorizer>();
        services.TryAddSingleton<BlobEndpoints>();
        services.TryAddSingleton<UploadEndpoints>();
        services.TryAddSingleton<ManifestEndpoints>();
        services.TryAddSingleton<ListingEndpoints>();
        services.TryAddSingleton<RegistryRequestHandler>();
        return services;
    }
}
