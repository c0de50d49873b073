using ClusterKit.Worker.Containers;

namespace ClusterKit.Worker.Hosting;

/// <summary>
/// Brings the worker's state back before the API answers: records, running containers, the
/// bridge and the nftables table. On shutdown containers keep running; the next start adopts them.
/// </summary>
internal sealed partial class WorkerStartup(ContainerManager containers, ILogger<WorkerStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Environment.UserName != "root" && Environment.GetEnvironmentVariable("USER") != "root" && geteuid() != 0)
        {
            throw new WorkerStartupException("ck-worker must run as root: it creates namespaces, cgroups, mounts and nftables rules");
        }

        await containers.RecoverAsync(cancellationToken);
        LogReady(containers.All.Count);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await containers.DisposeAsync();

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern uint geteuid();

    [LoggerMessage(Level = LogLevel.Information, Message = "worker ready with {Count} containers")]
    private partial void LogReady(int count);
}
