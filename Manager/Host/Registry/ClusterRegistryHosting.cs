using ClusterKit.Manager.Registry.Auth;
using ClusterKit.Manager.Registry.Http;
using ClusterKit.Manager.Registry.Metadata;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClusterKit.Manager.Host.Registry;

/// <summary>
/// The cluster registry as ck-manager serves it (ADR 0016): blobs under the data directory, metadata in the replicated
/// store, access by cluster certificate or bearer token, the token endpoint, and the credentials' control API.
/// </summary>
internal static class ClusterRegistryHosting
{
    /// <summary>Where the blobs and uploads live under the manager's data directory.</summary>
    public static string DataRoot(ManagerOptions options) => Path.Combine(options.DataDirectory, "registry");

    public static IServiceCollection AddClusterRegistry(this IServiceCollection services, ManagerOptions options)
    {
        services.TryAddSingleton<IRegistryMetadata, StoreRegistryMetadata>();
        services.TryAddSingleton<RegistryTokenKeys>();
        services.TryAddSingleton<RegistryTokenIssuer>();
        services.TryAddSingleton<RegistryCredentials>();
        services.TryAddSingleton(sp => new LoginThrottle(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<RegistryTokenEndpoint>();
        services.TryAddSingleton<IRegistryAccess, ClusterRegistryAccess>();

        // Before the registry's own services: replication supplies the blob source that reads through to peers.
        services.AddClusterKitRegistryPeers(
            replication: r => r.Copies = options.RegistryCopies,
            durability: d => d.AcknowledgeTimeout = options.RegistryAckTimeout);
        return services.AddClusterKitRegistry(DataRoot(options));
    }

    public static IEndpointRouteBuilder MapClusterRegistry(this IEndpointRouteBuilder endpoints)
    {
        // A literal route wins over the registry's catch-all, and "token" alone is no registry path.
        endpoints.MapGet(RegistryChallenge.TokenPath, context => context.RequestServices.GetRequiredService<RegistryTokenEndpoint>().HandleAsync(context));
        RegistryEndpoints.Map(endpoints);
        endpoints.MapGrpcService<RegistryAccessControlService>();
        endpoints.MapClusterKitRegistryPeer();
        return endpoints;
    }
}
