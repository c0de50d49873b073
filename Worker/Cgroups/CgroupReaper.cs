using System.Globalization;
using ClusterKit.Worker.Host;
using Microsoft.Extensions.Logging;

namespace ClusterKit.Worker.Cgroups;

/// <summary>Empties a cgroup (SIGKILL until no process is left, with a bound) and removes its directories.</summary>
internal sealed class CgroupReaper
{
    private const int SigKill = 9;

    private readonly ISystemCalls _systemCalls;
    private readonly CgroupOptions _options;
    private readonly ILogger _logger;

    public CgroupReaper(ISystemCalls systemCalls, CgroupOptions options, ILogger logger)
    {
        _systemCalls = systemCalls;
        _options = options;
        _logger = logger;
    }

    /// <summary>Idempotent: directories already gone are skipped.</summary>
    public void Remove(string name, IReadOnlyList<CgroupDirectory> directories)
    {
        var existing = directories.Where(d => d.Exists).ToList();
        if (existing.Count == 0)
        {
            return;
        }

        KillAll(name, existing);
        foreach (var directory in existing)
        {
            RemoveDirectory(name, directory.Path);
        }

        CgroupLog.Removed(_logger, name);
    }

    private void KillAll(string name, IReadOnlyList<CgroupDirectory> directories)
    {
        // v2's cgroup.kill (Linux 5.14) kills the whole subtree atomically, forks in flight included.
        var killFiles = directories.Where(d => d.Hierarchy.Version == CgroupVersion.V2 && CgroupFile.Exists(d.Path, "cgroup.kill")).ToList();
        var killed = new HashSet<int>();
        for (var attempt = 0; attempt < _options.KillAttempts; attempt++)
        {
            var pids = ListProcesses(directories);
            if (pids.Count == 0)
            {
                if (killed.Count > 0)
                {
                    CgroupLog.KilledLeftovers(_logger, name, killed.Count);
                }

                return;
            }

            if (pids.Contains(Environment.ProcessId))
            {
                throw new CgroupException($"cgroup {name} holds the worker itself (pid {Environment.ProcessId}); refusing to kill it");
            }

            foreach (var killFile in killFiles)
            {
                CgroupFile.Write(killFile.Path, "cgroup.kill", "1");
            }

            // Without cgroup.kill a process may fork between our read and our kill; the next round catches the child.
            // With it, a pid still listed a round later (e.g. one that joined only a v1 hierarchy) gets its own SIGKILL.
            foreach (var pid in pids)
            {
                if (killFiles.Count == 0 || attempt > 0)
                {
                    Kill(pid);
                }

                killed.Add(pid);
            }

            Thread.Sleep(_options.RetryDelay);
        }

        var left = ListProcesses(directories);
        if (left.Count > 0)
        {
            throw new CgroupException(
                $"cgroup {name} still holds processes {string.Join(", ", left.Select(p => p.ToString(CultureInfo.InvariantCulture)))} after {_options.KillAttempts} rounds of SIGKILL");
        }
    }

    private void Kill(int pid)
    {
        try
        {
            _systemCalls.Kill(pid, SigKill);
        }
        catch (KernelCallException e) when (e.Errno == 3)
        {
            // ESRCH: it exited on its own between the read and the kill.
        }
    }

    private void RemoveDirectory(string name, string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                _systemCalls.RemoveCgroupDirectory(path);
                return;
            }
            catch (KernelCallException e) when (e.Errno == 2)
            {
                return; // ENOENT: already removed, which is what we wanted.
            }
            catch (KernelCallException e) when (e.Errno == 16 && attempt + 1 < _options.KillAttempts)
            {
                // EBUSY: killed processes can take a moment to leave the cgroup.
                Thread.Sleep(_options.RetryDelay);
            }
            catch (KernelCallException e)
            {
                throw new CgroupException($"cannot remove cgroup {name} at {path}: {e.Message}", e);
            }
        }
    }

    internal static IReadOnlyList<int> ListProcesses(IEnumerable<CgroupDirectory> directories)
    {
        var pids = new SortedSet<int>();
        foreach (var directory in directories)
        {
            if (directory.Exists)
            {
                pids.UnionWith(CgroupFile.ReadPids(directory.Path));
            }
        }

        return [.. pids];
    }
}
