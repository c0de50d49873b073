using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClusterKit.Manager.Kv.Etcd;

/// <summary>
/// Registers and maps etcd's v3 services (ADR 0019). The host supplies an <see cref="Store.Kv.IKvBackend"/> and gRPC
/// (<c>AddGrpc</c>, with its own interceptors); each etcd service takes etcd's message size limit.
/// </summary>
public static class EtcdServiceCollectionExtensions
{
    /// <summary>etcd's --max-request-bytes (1.5 MiB) plus the 512 KiB gRPC allows beyond it: larger messages are refused.</summary>
    public const int MaxReceiveMessageBytes = (1536 + 512) * 1024;

    public static IServiceCollection AddEtcdApi(this IServiceCollection services, EtcdOptions? options = null)
    {
        var settings = options ?? new EtcdOptions();
        services.TryAddSingleton(settings);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new EtcdLeaseIds(new Random(settings.LeaseIdSeed)));
        services.AddGrpc()
            .AddServiceOptions<EtcdKvService>(Limit)
            .AddServiceOptions<EtcdWatchService>(Limit)
            .AddServiceOptions<EtcdLeaseService>(Limit)
            .AddServiceOptions<EtcdMaintenanceService>(Limit)
            .AddServiceOptions<EtcdClusterService>(Limit)
            .AddServiceOptions<EtcdAuthService>(Limit);
        return services;
    }

    public static IEndpointRouteBuilder MapEtcdApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<EtcdKvService>();
        endpoints.MapGrpcService<EtcdWatchService>();
        endpoints.MapGrpcService<EtcdLeaseService>();
        endpoints.MapGrpcService<EtcdMaintenanceService>();
        endpoints.MapGrpcService<EtcdClusterService>();
        endpoints.MapGrpcService<EtcdAuthService>();
        return endpoints;
    }

    private static void Limit(Grpc.AspNetCore.Server.GrpcServiceOptions options) => options.MaxReceiveMessageSize = MaxReceiveMessageBytes;
}
