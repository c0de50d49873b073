using ClusterKit.Worker.Runtime.Plan;
using Microsoft.Extensions.Logging;

namespace ClusterKit.Worker.Runtime;

/// <summary>
/// What <see cref="ContainerRuntime.DiscardLeftoversAsync"/> found: whether processes of the
/// container still ran (and were killed), and the exit record of its last run if the shim wrote one.
/// </summary>
public sealed record ContainerLeftovers(bool ProcessesKilled, ContainerExit? Exit);

public sealed partial class ContainerRuntime
{
    private const int KillSignal = 9;

    /// <summary>How long a killed shim may take to go; it has nothing to drain once its init is dead.</summary>
    private static readonly TimeSpan KilledShimWait = TimeSpan.FromSeconds(10);

    /// <summary>
    /// After a worker restart, for a container that must not run (its record does not say it
    /// runs, or not this run): kills whatever a start cut short at any step left behind and
    /// frees what it held. The run directory and the cgroup are the truth here, not the
    /// caller's record: the shim of this plan (from the pid file, or as the parent of a process
    /// in the container's cgroup) and every process in the cgroup are killed, the cgroup is
    /// removed and the overlay unmounted. A shim that never got "go" cannot start the command
    /// (it kills its init at EOF), so one not yet in the cgroup needs no hunting. The container
    /// directory stays: the container can start again.
    /// </summary>
    public async Task<ContainerLeftovers> DiscardLeftoversAsync(string id, string containerDirectory, string? runDirectory, CancellationToken cancellationToken)
    {
        var paths = new ContainerPaths(Path.GetFullPath(containerDirectory), Path.GetFullPath(runDirectory ?? containerDirectory));
        var labels = File.Exists(paths.Plan) ? LaunchPlanSerializer.Read(File.ReadAllText(paths.Plan)).Labels : new Dictionary<string, string>();

        // The runtime names a cgroup it creates after the container; a start cut before the plan was written has no label yet.
        var cgroup = _cgroups?.Open(labels.GetValueOrDefault(LaunchPlanBuilder.CgroupLabel) ?? id);
        var inCgroup = cgroup?.Processes() ?? [];
        var shims = new HashSet<int>();
        if (ExitRecord.TryReadPidFile(paths.Pid) is { } pids)
        {
            shims.Add(pids.ShimPid);
        }

        foreach (var pid in inCgroup)
        {
            shims.Add(ProcessIdentity.ParentOf(pid));
        }

        var shimsGone = new List<Task>();
        foreach (var shim in shims.Where(p => p > 0))
        {
            // The pidfd first, the identity second: a pid recycled in between fails the check, not the kill.
            var fd = _systemCalls.OpenProcessDescriptor(shim);
            if (fd < 0)
            {
                continue;
            }

            if (!ProcessIdentity.IsShimOf(shim, paths.Plan))
            {
                _systemCalls.CloseDescriptor(fd);
                continue;
            }

            _systemCalls.SignalProcessDescriptor(fd, KillSignal);
            shimsGone.Add(_watcher.Watch(fd));
        }

        var oom = false;
        if (cgroup is not null)
        {
            oom = cgroup.WasOomKilled();
            cgroup.Delete();
        }

        await Task.WhenAll(shimsGone).WaitAsync(KilledShimWait, _time, cancellationToken);
        if (labels.GetValueOrDefault(LaunchPlanBuilder.OverlayLabel) != "0")
        {
            // Also when there is no plan: a start may have died between the mount and the plan.
            _mounter.Unmount(paths);
        }

        var killed = shimsGone.Count > 0 || inCgroup.Count > 0;
        LogLeftovers(id, shimsGone.Count, inCgroup.Count);
        return new ContainerLeftovers(killed, ExitRecord.TryRead(paths.Exit, oom));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "container {Id}: leftovers discarded, {Shims} shims and {Processes} cgroup processes killed")]
    private partial void LogLeftovers(string id, int shims, int processes);
}
