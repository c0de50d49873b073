using ClusterKit.Worker.Containers;
using ClusterKit.Worker.Images.Store;
using Microsoft.Extensions.Options;

namespace ClusterKit.Worker.Hosting;

/// <summary>
/// Brings the worker's state back before the API answers: the image store (what a crash left in its tmp/ goes),
/// records, running containers, the bridge and the nftables table. On shutdown containers keep running; the next
/// start adopts them.
/// </summary>
internal sealed partial class WorkerStartup(ImageStore images, ContainerManager containers, IOptions<WorkerOptions> options, ILogger<WorkerStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Environment.UserName != "root" && Environment.GetEnvironmentVariable("USER") != "root" && geteuid() != 0)
        {
            throw new WorkerStartupException("ck-worker must run as root: it creates namespaces, cgroups, mounts and nftables rules");
        }

        await images.RecoverAsync(cancellationToken);
        await containers.RecoverAsync(cancellationToken);
        LogReady(containers.All.Count);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        LogStopping(options.Value.StopContainersOnExit, containers.All.Count);
        await containers.ShutdownAsync(options.Value.StopContainersOnExit, cancellationToken);
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern uint geteuid();

    [LoggerMessage(Level = LogLevel.Information, Message = "worker stopping (stop containers: {StopContainers}, {Count} containers)")]
    private partial void LogStopping(bool stopContainers, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "worker ready with {Count} containers")]
    private partial void LogReady(int count);
}
