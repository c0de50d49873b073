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
/// tmpfs), its bridge with the containers' veths, its nftables table, and its entries in the run root. Its entries in
/// the data root (images, container records, logs, identity) go too with <c>purge</c>. Anything else in those roots
/// (a manager's socket or data directory on the same host) stays, and so does a root that still holds it.
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

        // The run and data roots may be shared (by default a manager on the same host keeps its socket in /run/clusterkit):
        // only the worker's own entries go, and a root only once nothing else is left in it.
        DeleteEntries(options.RunRoot, WorkerRunEntries);
        if (File.Exists(options.Socket))
        {
            File.Delete(options.Socket);
        }

        report.WriteLine(Removed(options.RunRoot, "its run directories and socket"));
        if (purge)
        {
            DeleteEntries(options.DataRoot, WorkerDataEntries);
            report.WriteLine(Removed(options.DataRoot, "images, container records and logs, its identity"));
        }
        else
        {
            report.WriteLine($"kept {options.DataRoot} (images, container records and logs; --purge removes it)");
        }
    }

    /// <summary>What a worker (and the demo that starts it, for its PID file) writes in its run root.</summary>
    internal static readonly string[] WorkerRunEntries = ["containers", "ck-worker.pid"];

    /// <summary>What a worker writes in its data root: the store's images, container records and logs, its session and identity.</summary>
    internal static readonly string[] WorkerDataEntries = ["containers", "images", "session", "identity"];

    private static void DeleteEntries(string root, IEnumerable<string> entries)
    {
        foreach (var entry in entries.Select(e => Path.Combine(root, e)))
        {
            if (Directory.Exists(entry))
            {
                Directory.Delete(entry, recursive: true);
            }
            else if (File.Exists(entry))
            {
                File.Delete(entry);
            }
        }

        if (Directory.Exists(root) && !Directory.EnumerateFileSystemEntries(root).Any())
        {
            Directory.Delete(root);
        }
    }

    private static string Removed(string root, string what)
    {
        if (!Directory.Exists(root))
        {
            return $"removed {root} ({what})";
        }

        var others = Directory.EnumerateFileSystemEntries(root).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        return $"removed {what} from {root}; kept {root} with what is not the worker's: {string.Join(", ", others)}";
    }
}
