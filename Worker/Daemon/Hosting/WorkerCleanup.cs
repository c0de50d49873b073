using ClusterKit.Shared.Net;
using ClusterKit.Worker.Cgroups;
using ClusterKit.Worker.Containers;
using ClusterKit.Worker.Host;
using ClusterKit.Worker.Networking;

namespace ClusterKit.Worker.Hosting;

/// <summary>
/// `ck-worker cleanup`: removes what a stopped worker made on this host, and nothing else: its
/// containers (every process in its cgroups is killed), their cgroups and its parent cgroup, the
/// mounts below its run and data roots (container root file systems, the run directory's
/// tmpfs), its bridge with the containers' veths, its nftables table, and its run root. The data
/// root (images, container records, logs) goes too with <c>purge</c>.
/// </summary>
internal sealed class WorkerCleanup(WorkerOptions options, CgroupManager cgroups, BridgeNetwork network, ISystemCalls systemCalls, TextWriter report)
{
    public async Task RunAsync(bool purge, CancellationToken cancellationToken)
    {
        if (UnixSocket.Answers(options.Socket))
        {
            throw new WorkerStartupException($"a worker is listening on {options.Socket}: stop it first (SIGTERM), then clean up");
        }

        var containers = cgroups.List();
        cgroups.RemoveParent();
        report.WriteLine($"removed {containers.Count} container cgroups (their processes killed) and the parent cgroup {options.CgroupParent}");

        var unmounted = 0;
        foreach (var root in new[] { options.RunRoot, options.DataRoot })
        {
            foreach (var mountPoint in RunDirectoryMount.MountsUnder(RunDirectoryMount.Resolve(root), await File.ReadAllTextAsync("/proc/self/mountinfo", cancellationToken)))
            {
                systemCalls.Unmount(mountPoint, UnmountFlags.Detach);
                unmounted++;
            }
        }

        report.WriteLine($"unmounted {unmounted} mounts below {options.RunRoot} and {options.DataRoot}");

        await network.TeardownAsync(cancellationToken);
        report.WriteLine($"removed bridge {options.BridgeName} and nftables table {options.NftablesTable}");

        DeleteTree(options.RunRoot);
        if (File.Exists(options.Socket))
        {
            File.Delete(options.Socket);
        }

        report.WriteLine($"removed {options.RunRoot}");
        if (purge)
        {
            DeleteTree(options.DataRoot);
            report.WriteLine($"removed {options.DataRoot} (images, container records and logs)");
        }
        else
        {
            report.WriteLine($"kept {options.DataRoot} (images, container records and logs; --purge removes it)");
        }
    }

    private static void DeleteTree(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }
}
