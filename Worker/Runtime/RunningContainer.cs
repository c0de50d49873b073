using ClusterKit.Worker.Cgroups;
using ClusterKit.Worker.Runtime.Plan;
using ClusterKit.Worker.Runtime.Users;

namespace ClusterKit.Worker.Runtime;

/// <summary>A started (or adopted) container: wait, signal, stop, exec, delete.</summary>
public sealed class RunningContainer : IDisposable
{
    private const int SigKill = 9;
    private const int SigTerm = 15;

    private readonly ContainerRuntime _runtime;
    private readonly LaunchPlan _plan;
    private readonly ICgroupHandle? _cgroup;
    private readonly Task _shimExited;
    private readonly object _lock = new();
    private int _initFd;
    private ContainerExit? _exit;
    private bool _deleted;

    internal RunningContainer(
        ContainerRuntime runtime, ContainerPaths paths, string id, LaunchPlan plan, int shimPid, int initPid,
        int initFd, ICgroupHandle? cgroup, Task shimExited)
    {
        _runtime = runtime;
        Paths = paths;
        Id = id;
        _plan = plan;
        ShimPid = shimPid;
        InitPid = initPid;
        _initFd = initFd;
        _cgroup = cgroup;
        _shimExited = shimExited;
    }

    public string Id { get; }

    public ContainerPaths Paths { get; }

    /// <summary>The shim (ck-init shim), parent of the init and keeper of logs and the exit record.</summary>
    public int ShimPid { get; }

    /// <summary>The container's PID 1 (ck-init), as seen from the host.</summary>
    public int InitPid { get; }

    public DateTimeOffset? StartedAt { get; private set; }

    /// <summary>The JSON-lines log (rotated files beside it get .1, .2, ...).</summary>
    public string LogPath => Paths.Log;

    public ContainerState State =>
        _exit is not null || _shimExited.IsCompleted ? ContainerState.Exited : StartedAt is null ? ContainerState.Created : ContainerState.Running;

    public ContainerStatus GetStatus()
    {
        var exit = _shimExited.IsCompleted ? ReadExit() : null;
        return new ContainerStatus(Id, State, ShimPid, InitPid, StartedAt, exit);
    }

    internal void MarkStarted(DateTimeOffset startedAt) => StartedAt = startedAt;

    internal Task WaitForShimAsync(CancellationToken cancellationToken) => _shimExited.WaitAsync(cancellationToken);

    /// <summary>Waits for the container to exit and returns how it ended.</summary>
    public async Task<ContainerExit> WaitAsync(CancellationToken cancellationToken)
    {
        await _shimExited.WaitAsync(cancellationToken);
        return ReadExit();
    }

    /// <summary>Sends a signal to the container's init, which forwards it to the container's process; no-op once exited.</summary>
    public void Signal(int signal)
    {
        lock (_lock)
        {
            if (_initFd >= 0 && !_shimExited.IsCompleted)
            {
                _runtime.SystemCalls.SignalProcessDescriptor(_initFd, signal);
            }
        }
    }

    /// <summary>Sends <paramref name="signal"/> (SIGTERM if 0), then SIGKILL if the container still runs after <paramref name="grace"/>.</summary>
    public async Task<ContainerExit> StopAsync(int signal, TimeSpan grace, CancellationToken cancellationToken)
    {
        if (!_shimExited.IsCompleted)
        {
            Signal(signal == 0 ? SigTerm : signal);
            using var graceOver = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(grace, _runtime.Time, graceOver.Token);
            if (await Task.WhenAny(_shimExited, delay) != _shimExited)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Signal(SigKill);
            }

            await graceOver.CancelAsync();
        }

        return await WaitAsync(cancellationToken);
    }

    /// <summary>Runs a command in the running container (docker exec).</summary>
    public Task<ExecProcess> ExecAsync(ExecOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();
        if (State != ContainerState.Running)
        {
            throw new InvalidOperationException($"container {Id} is {State.ToString().ToLowerInvariant()}; exec needs a running container");
        }

        ResolvedUser? user = null;
        if (options.User is not null)
        {
            var rootfs = _plan.Rootfs ?? Paths.Rootfs;
            user = UserResolver.Resolve(options.User, ContainerRuntime.ReadImageFile(rootfs, "etc/passwd"), ContainerRuntime.ReadImageFile(rootfs, "etc/group"));
        }

        var plan = LaunchPlanBuilder.BuildExec(_plan, InitPid, options, user);
        var planPath = Path.Combine(Paths.RunDirectory, $"exec-{Guid.NewGuid():N}.plan");
        File.WriteAllText(planPath, LaunchPlanSerializer.Write(plan));
        return Task.FromResult(ExecProcess.Start(_runtime.Helper, planPath, _runtime.SystemCalls));
    }

    /// <summary>
    /// After the container exited: removes the cgroup and unmounts the rootfs but keeps the
    /// container directory (upper layer, logs), so the container can start again or be committed.
    /// </summary>
    public void Release()
    {
        if (!_shimExited.IsCompleted)
        {
            throw new InvalidOperationException($"container {Id} still runs; stop it before releasing its resources");
        }

        _ = ReadExit();
        Dispose();
        _cgroup?.Delete();
        if (_plan.Labels.GetValueOrDefault(LaunchPlanBuilder.OverlayLabel) == "1")
        {
            _runtime.Mounter.Unmount(Paths);
        }
    }

    /// <summary>Kills what still runs, removes the cgroup, unmounts the rootfs and deletes the container's directories.</summary>
    public async Task DeleteAsync(CancellationToken cancellationToken)
    {
        await ReleaseForDeleteAsync(cancellationToken);
        DeleteRunDirectory();
        if (Directory.Exists(Paths.Directory))
        {
            Directory.Delete(Paths.Directory, recursive: true);
        }

        _deleted = true;
    }

    /// <summary>
    /// Like <see cref="DeleteAsync"/>, but renames the container directory to
    /// <paramref name="trashDirectory"/> (same file system) instead of deleting it: the container
    /// is gone at once and the caller removes the files later, off the request's path. A separate
    /// run directory (a few small files on a tmpfs) is deleted at once.
    /// </summary>
    public async Task MoveToTrashAsync(string trashDirectory, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(trashDirectory);
        await ReleaseForDeleteAsync(cancellationToken);
        DeleteRunDirectory();
        if (Directory.Exists(Paths.Directory))
        {
            Directory.Move(Paths.Directory, trashDirectory);
        }

        _deleted = true;
    }

    private async Task ReleaseForDeleteAsync(CancellationToken cancellationToken)
    {
        if (!_shimExited.IsCompleted)
        {
            Signal(SigKill);
            await _shimExited.WaitAsync(cancellationToken);
        }

        _ = ReadExit();
        Dispose();
        _cgroup?.Delete();
        if (_plan.Labels.GetValueOrDefault(LaunchPlanBuilder.OverlayLabel) == "1")
        {
            _runtime.Mounter.Unmount(Paths);
        }

        MountTable.EnsureNothingMountedBelow(Paths.Directory, Paths.RunDirectory);
    }

    private void DeleteRunDirectory()
    {
        if (Paths.SplitRunDirectory && Directory.Exists(Paths.RunDirectory))
        {
            Directory.Delete(Paths.RunDirectory, recursive: true);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_initFd >= 0)
            {
                _runtime.SystemCalls.CloseDescriptor(_initFd);
                _initFd = -1;
            }
        }
    }

    private ContainerExit ReadExit()
    {
        lock (_lock)
        {
            if (_exit is not null || _deleted)
            {
                return _exit ?? throw new InvalidOperationException($"container {Id} was deleted before its exit was read");
            }

            var oom = false;
            try
            {
                oom = _cgroup?.WasOomKilled() ?? false;
            }
            catch (IOException)
            {
                // The cgroup is gone already: no OOM to report.
            }

            _exit = ExitRecord.TryRead(Paths.Exit, oom)
                ?? new ContainerExit(255, 0, StartedAt, _runtime.Time.GetUtcNow(), "the container's shim exited without an exit record", oom);
            _runtime.OnExited(Id, _exit);
            return _exit;
        }
    }
}

/// <summary>Reads /proc/self/mountinfo so that a delete never recurses into a live mount.</summary>
internal static class MountTable
{
    public static void EnsureNothingMountedBelow(params string[] directories)
    {
        var prefixes = directories.Select(d => d.TrimEnd('/') + "/").ToArray();
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ');
            if (fields.Length <= 4)
            {
                continue;
            }

            var mountPoint = Unescape(fields[4]);
            var below = Array.FindIndex(prefixes, p => mountPoint.StartsWith(p, StringComparison.Ordinal));
            if (below >= 0)
            {
                throw new IOException($"{mountPoint} is still mounted; not deleting {directories[below]}");
            }
        }
    }

    /// <summary>mountinfo writes space, tab, newline and backslash as octal escapes.</summary>
    private static string Unescape(string field) =>
        field.Replace("\\040", " ", StringComparison.Ordinal).Replace("\\011", "\t", StringComparison.Ordinal)
            .Replace("\\012", "\n", StringComparison.Ordinal).Replace("\\134", "\\", StringComparison.Ordinal);
}
