using ClusterKit.Manager.Dispatcher;
using ClusterKit.Manager.Host.Control;
using ClusterKit.Manager.Host.Leadership;
using ClusterKit.Manager.Host.Membership;
using ClusterKit.Manager.Registry.Catalog;
using ClusterKit.Manager.Registry.Metadata;
using ClusterKit.Manager.Host.Registry;
using ClusterKit.Manager.Kv.Etcd;
using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Kv;
using ClusterKit.Manager.Store.Leadership;
using ClusterKit.Manager.Store.Raft;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClusterKit.Manager.Host;

/// <summary>Registers every part of ck-manager: its place in the cluster, the store, the leadership, the control API and the dispatcher.</summary>
public static class ManagerServiceCollectionExtensions
{
    public static IServiceCollection AddClusterKitManager(this IServiceCollection services, ManagerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);

        // The cluster membership: the Raft member (once there is one), how it starts, init and join.
        services.TryAddSingleton<ManagerTlsSlot>();
        services.TryAddSingleton<LeadershipSignal>();
        services.TryAddSingleton<ILeadership>(sp => sp.GetRequiredService<LeadershipSignal>());
        services.TryAddSingleton<RaftMemberSlot>();
        services.TryAddSingleton<IStore, MemberStore>();
        services.TryAddSingleton(new BootstrapFiles(options.DataDirectory));
        services.TryAddSingleton(new DataKeyring(options.DataDirectory));
        services.TryAddSingleton<DataKeyHandOff>();
        services.TryAddSingleton<ClusterLock>();
        services.TryAddSingleton<BootstrapGate>();
        services.TryAddSingleton<RaftMemberStarter>();
        services.TryAddSingleton<PendingBootstrap>();
        services.TryAddSingleton<ClusterInitializer>();
        services.TryAddSingleton<ClusterJoiner>();
        services.AddHostedService<ManagerStartup>();

        // Work on every manager, and the one host of the leader-only work.
        services.AddHostedService<CertificateRenewalService>();
        services.AddHostedService<DataKeyService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILeaderService, OlderClusterSealing>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILeaderService, KvLeaseExpiryService>());
        services.TryAddSingleton<NodeStateClock>();
        services.AddHostedService<NodeStateClockService>();
        services.AddHostedService<LeaderServices>();

        // The control API and the dispatcher.
        services.AddGrpc(grpc =>
        {
            // A follower's forwarded write may carry a registry manifest's metadata: its bytes are a blob, but its
            // references grow with its descriptors (a manifest of up to 4 MiB packed with them).
            grpc.MaxReceiveMessageSize = RaftNodeOptions.MaxApiMessageBytes;
            grpc.Interceptors.Add<CallerAuthorizationInterceptor>();
            grpc.Interceptors.Add<ControlErrorInterceptor>();
        });
        services.TryAddSingleton<LeaderCalls>();

        // The cluster registry's metadata in the store, and what `ck registry` asks of it.
        services.TryAddSingleton<IRegistryMetadata>(sp => new StoreRegistryMetadata(sp.GetRequiredService<IStore>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => (IRegistryCatalog)sp.GetRequiredService<IRegistryMetadata>());
        services.TryAddSingleton<RegistryInventory>();
        services.TryAddSingleton<ISessionIdentity, CertificateSessionIdentity>();
        services.AddClusterKitDispatcher(
            new DispatcherOptions { HeartbeatPeriod = options.HeartbeatPeriod },
            sp => new RaftDispatcherCluster(() => sp.GetRequiredService<RaftMemberSlot>().Node));

        // The cluster image registry (ADR 0016) on the same API port.
        services.AddClusterRegistry(options);

        // The etcd API (ADR 0019), served once a key-value backend is registered (the Raft one, ADR 0017's follow-up).
        services.AddEtcdApi();
        return services;
    }

    /// <summary>Serves the store, control and dispatcher APIs and the cluster registry (call after <see cref="AddClusterKitManager"/>).</summary>
    public static IEndpointRouteBuilder MapClusterKitManager(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<StoreGrpcService>();
        endpoints.MapGrpcService<ClusterControlService>();
        endpoints.MapGrpcService<NodeControlService>();
        endpoints.MapGrpcService<NodeCaService>();
        endpoints.MapGrpcService<MembershipControlService>();
        endpoints.MapGrpcService<RegistryControlService>();
        endpoints.MapClusterKitDispatcher();
        endpoints.MapClusterRegistry();
        if (endpoints.ServiceProvider.GetService<IKvBackend>() is not null)
        {
            endpoints.MapEtcdApi();
        }

        return endpoints;
    }
}
