using ClusterKit.Worker.Api;
using ClusterKit.Worker.Cgroups;
using ClusterKit.Worker.Cluster;
using ClusterKit.Worker.Containers;
using ClusterKit.Worker.Host;
using ClusterKit.Worker.Images;
using ClusterKit.Worker.Images.Distribution;
using ClusterKit.Worker.Images.Store;
using ClusterKit.Worker.Networking;
using ClusterKit.Worker.Runtime;
using Microsoft.Extensions.Options;

namespace ClusterKit.Worker.Hosting;

/// <summary>Registers every part of the worker daemon, from the kernel seam up to the container manager.</summary>
public static class WorkerServiceCollectionExtensions
{
    public static IServiceCollection AddClusterKitWorker(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ISystemCalls>(LinuxSystemCalls.Instance);
        services.AddSingleton<ICommandRunner>(ProcessCommandRunner.Instance);
        services.AddSingleton<ICgroupManager>(sp => CgroupManager.Detect(
            new CgroupOptions { ParentName = Options(sp).CgroupParent },
            sp.GetRequiredService<ILogger<CgroupManager>>()));
        services.AddSingleton(sp => new ImageStore(
            new ImageStoreOptions { Root = Options(sp).ImagesDirectory, MaxUnpackedBytes = Options(sp).MaxUnpackedBytes },
            sp.GetRequiredService<ISystemCalls>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ImageStore>>()));
        services.AddSingleton<IImageStore>(sp => sp.GetRequiredService<ImageStore>());

        // Plain HTTP to the registry a reference names until the cluster registry's TLS settings come.
        services.AddSingleton(sp => new ImageDistribution(
            sp.GetRequiredService<ImageStore>(),
            new RegistryConnector(new SocketsHttpHandler(), cluster: sp.GetService<WorkerMembership>()),
            timeProvider: sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new ContainerRuntime(
            sp.GetRequiredService<ISystemCalls>(),
            sp.GetRequiredService<ICgroupManager>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ContainerRuntime>>()));
        services.AddSingleton<IContainerNetwork>(sp => BridgeNetwork.ForHost(
            new BridgeNetworkOptions { BridgeName = Options(sp).BridgeName, Subnet = Options(sp).BridgeSubnet, TableName = Options(sp).NftablesTable },
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<BridgeNetwork>>()));
        services.AddSingleton(sp =>
        {
            var logger = sp.GetRequiredService<ILogger<ContainerRecordStore>>();
            return new ContainerRecordStore(
                Options(sp).ContainersDirectory,
                Options(sp).ContainersRunDirectory,
                (id, error) => ContainerRecordLog.StateWriteFailed(logger, id, error));
        });
        services.AddSingleton<AttachBroker>();
        services.AddSingleton<ContainerManager>();
        services.AddSingleton<ErrorMappingInterceptor>();
        services.AddHostedService<WorkerStartup>();
        return services;
    }

    private static WorkerOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<WorkerOptions>>().Value;
}
