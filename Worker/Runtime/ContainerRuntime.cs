using System.Globalization;
using ClusterKit.Worker.Cgroups;
using ClusterKit.Worker.Host;
using ClusterKit.Worker.Runtime.Plan;
using ClusterKit.Worker.Runtime.Rootfs;
using ClusterKit.Worker.Runtime.Users;
using Microsoft.Extensions.Logging;

namespace ClusterKit.Worker.Runtime;

/// <summary>
/// Starts containers through the ck-init helper, and finds them again after a worker restart.
/// One instance per worker.
/// </summary>
public sealed partial class ContainerRuntime : IDisposable
{
    private readonly ISystemCalls _systemCalls;
    private readonly ICgroupManager? _cgroups;
    private readonly TimeProvider _time;
    private readonly ILogger<ContainerRuntime> _logger;
    private readonly string? _helperPath;
    private readonly RootfsMounter _mounter;
    private readonly ProcessExitWatcher _watcher;

    public ContainerRuntime(ISystemCalls systemCalls, ICgroupManager? cgroups, TimeProvider time, ILogger<ContainerRuntime> logger, string? helperPath = null)
    {
        _systemCalls = systemCalls;
        _cgroups = cgroups;
        _time = time;
        _logger = logger;
        _helperPath = helperPath;
        _mounter = new RootfsMounter(systemCalls);
        _watcher = new ProcessExitWatcher(systemCalls);
    }

    internal ISystemCalls SystemCalls => _systemCalls;

    internal TimeProvider Time => _time;

    internal RootfsMounter Mounter => _mounter;

    internal string Helper => HelperBinary.Locate(_helperPath);

    /// <summary>
    /// Creates and starts a container. <paramref name="beforeExec"/> runs once the namespaces
    /// exist (it gets the init's pid, e.g. to move a veth into /proc/PID/ns/net) and before the
    /// container's command executes. A command that cannot be executed does not throw: the
    /// container exits with 127 (not found) or 126 and the reason in <see cref="ContainerExit.Error"/>.
    /// </summary>
    public async Task<RunningContainer> StartAsync(ContainerLaunch launch, Func<int, CancellationToken, Task>? beforeExec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var paths = new ContainerPaths(Path.GetFullPath(launch.ContainerDirectory), Path.GetFullPath(launch.RunDirectory ?? launch.ContainerDirectory));
        LaunchPlanBuilder.Validate(launch, paths);
        if ((launch.LowerDirs.Count > 0) == (launch.RootfsPath is not null))
        {
            throw new ArgumentException($"container {launch.Id}: give either LowerDirs (an overlay is mounted) or RootfsPath, not both or neither", nameof(launch));
        }

        if (launch.Cgroup is null && launch.Limits is not null && _cgroups is null)
        {
            throw new ArgumentException($"container {launch.Id}: Limits need a cgroup manager; this runtime has none", nameof(launch));
        }

        var devices = ResolveDevices(launch);
        var allowedDevices = DefaultContainerMounts.AllowedDevicesWith(devices);

        var steps = new StepTimings(launch.StepReached);
        var helper = Helper;
        Directory.CreateDirectory(paths.Directory);
        if (paths.SplitRunDirectory)
        {
            Directory.CreateDirectory(paths.RunDirectory);
        }

        // A container started again: the last run's pid and exit records would make it look exited to Adopt.
        File.Delete(paths.Exit);
        File.Delete(paths.Pid);
        var overlay = launch.LowerDirs.Count > 0;
        if (overlay)
        {
            // Nor may a second overlay stack on the last run's if it was not released.
            _mounter.Unmount(paths);
        }

        steps.Lap("prepare");
        ICgroupHandle? cgroup = null;
        ShimHandshake? shim = null;

        // Creating v1 cgroups waits on the kernel (milliseconds per controller): do it while the
        // rootfs is mounted and the image's user is resolved. Every container with a cgroup (the
        // runtime has a manager, or the caller made one) gets the devices allow list.
        var cgroupCreateTime = TimeSpan.Zero;
        var creatingCgroup = launch.Cgroup is null && _cgroups is not null
            ? Task.Run(
                () =>
                {
                    var began = System.Diagnostics.Stopwatch.GetTimestamp();
                    var created = _cgroups.Create(launch.Id, launch.Limits ?? ResourceLimits.None);
                    try
                    {
                        created.RestrictDevices(allowedDevices);
                    }
                    catch
                    {
                        created.Delete();
                        throw;
                    }

                    cgroupCreateTime = System.Diagnostics.Stopwatch.GetElapsedTime(began);
                    return created;
                },
                CancellationToken.None)
            : null;
        launch.Cgroup?.RestrictDevices(allowedDevices);
        try
        {
            var rootfs = overlay ? _mounter.Mount(launch.LowerDirs, paths, PreviousBootId(paths)) : launch.RootfsPath!;
            if (!Directory.Exists(rootfs))
            {
                throw new DirectoryNotFoundException($"container {launch.Id}: rootfs \"{rootfs}\" does not exist");
            }

            steps.Lap("rootfs");
            var user = UserResolver.Resolve(launch.User, ReadImageFile(rootfs, "etc/passwd"), ReadImageFile(rootfs, "etc/group"));
            steps.Lap("user");
            cgroup = creatingCgroup is not null ? await creatingCgroup : launch.Cgroup;
            steps.Lap("cgroup-wait");
            steps.Add("(cgroup-create)", cgroupCreateTime);

            var labels = new Dictionary<string, string>
            {
                [LaunchPlanBuilder.IdLabel] = launch.Id,
                [LaunchPlanBuilder.OverlayLabel] = overlay ? "1" : "0",
            };
            if (overlay)
            {
                labels[LaunchPlanBuilder.BootIdLabel] = RootfsMounter.BootId;
            }

            if (cgroup is not null)
            {
                labels[LaunchPlanBuilder.CgroupLabel] = cgroup.Name;
            }

            var plan = LaunchPlanBuilder.Build(launch, paths, rootfs, user, cgroup?.ProcsFiles ?? [], labels, devices);
            WriteReadableByContainer(paths.Hostname, plan.Hostname + "\n");
            if (launch.HostsFile is not null)
            {
                WriteReadableByContainer(paths.Hosts, launch.HostsFile);
            }

            if (launch.ResolvConf is not null)
            {
                WriteReadableByContainer(paths.ResolvConf, launch.ResolvConf);
            }

            File.WriteAllText(paths.Plan, LaunchPlanSerializer.Write(plan));
            steps.Lap("plan");

            shim = ShimHandshake.Start(_systemCalls, helper, paths.Plan);

            // Watched from the first moment: the watcher reaps the shim whenever it exits, failures included.
            var shimExited = _watcher.Watch(_systemCalls.OpenProcessDescriptor(shim.Pid));
            steps.Lap("spawn");
            var initPid = await shim.ReadInitPidAsync(cancellationToken);
            steps.Lap("clone");
            var initFd = _systemCalls.OpenProcessDescriptor(initPid);
            var container = new RunningContainer(this, paths, launch.Id, plan, shim.Pid, initPid, initFd, cgroup, shimExited);
            try
            {
                if (beforeExec is not null)
                {
                    await beforeExec(initPid, cancellationToken);
                }

                steps.Lap("hook");
                var (startedAt, execError) = await shim.GoAsync(_time, cancellationToken);
                shim.Release();
                steps.Lap("go");
                container.MarkStarted(startedAt);
                LogStarted(launch.Id, initPid, execError ?? "none");
                LogStartSteps(launch.Id, steps);
                return container;
            }
            catch
            {
                shim.Abort();
                await container.WaitForShimAsync(CancellationToken.None);
                container.Dispose();
                throw;
            }
        }
        catch
        {
            shim?.Dispose();
            if (creatingCgroup is not null && await CreatedOrNullAsync(creatingCgroup) is { } created)
            {
                created.Delete();
            }

            if (overlay)
            {
                _mounter.Unmount(paths);
            }

            throw;
        }
    }

    /// <summary>
    /// Finds the container of <paramref name="containerDirectory"/> after a worker restart:
    /// running (its shim is alive and really ours) or exited. Null if no plan is found (the
    /// container never started, or its run directory ended with a reboot).
    /// <paramref name="runDirectory"/> is the launch's <see cref="ContainerLaunch.RunDirectory"/>.
    /// </summary>
    public RunningContainer? Adopt(string containerDirectory, string? runDirectory = null)
    {
        var paths = new ContainerPaths(Path.GetFullPath(containerDirectory), Path.GetFullPath(runDirectory ?? containerDirectory));
        if (!File.Exists(paths.Plan))
        {
            return null;
        }

        var plan = LaunchPlanSerializer.Read(File.ReadAllText(paths.Plan));
        var id = plan.Labels.GetValueOrDefault(LaunchPlanBuilder.IdLabel) ?? Path.GetFileName(paths.Directory);
        var cgroup = plan.Labels.TryGetValue(LaunchPlanBuilder.CgroupLabel, out var cgroupName) ? _cgroups?.Open(cgroupName) : null;
        var pids = ExitRecord.TryReadPidFile(paths.Pid);
        int shimFd = -1, initFd = -1;
        if (pids is { } p && !File.Exists(paths.Exit))
        {
            shimFd = _systemCalls.OpenProcessDescriptor(p.ShimPid);
            if (shimFd >= 0 && !ProcessIdentity.IsShimOf(p.ShimPid, paths.Plan))
            {
                // The pid now belongs to someone else: our shim is gone.
                _systemCalls.CloseDescriptor(shimFd);
                shimFd = -1;
            }

            if (shimFd >= 0)
            {
                initFd = _systemCalls.OpenProcessDescriptor(p.InitPid);
                if (initFd >= 0 && ProcessIdentity.ParentOf(p.InitPid) != p.ShimPid)
                {
                    _systemCalls.CloseDescriptor(initFd);
                    initFd = -1;
                }
            }
        }

        var container = new RunningContainer(this, paths, id, plan, pids?.ShimPid ?? 0, pids?.InitPid ?? 0, initFd, cgroup, _watcher.Watch(shimFd));
        if (pids?.StartedAt is { } started)
        {
            container.MarkStarted(started);
        }

        LogAdopted(id, shimFd >= 0 ? "running" : "exited");
        return container;
    }

    public void Dispose() => _watcher.Dispose();

    /// <summary>The host nodes of the launch's --device mappings; a path that is no device is an error naming it.</summary>
    private List<ResolvedDevice> ResolveDevices(ContainerLaunch launch)
    {
        var resolved = new List<ResolvedDevice>();
        foreach (var mapping in launch.Devices)
        {
            DeviceNode? node;
            try
            {
                node = _systemCalls.StatDeviceNode(mapping.HostPath);
            }
            catch (KernelCallException e)
            {
                throw new ArgumentException($"container {launch.Id}: device {mapping.HostPath}: {e.Message}", nameof(launch), e);
            }

            resolved.Add(new ResolvedDevice(mapping, node ?? throw new ArgumentException(
                $"container {launch.Id}: device {mapping.HostPath} is not a character or block device", nameof(launch))));
        }

        return resolved;
    }

    /// <summary>The cgroup a failed start created, if it got that far (its own failure is already reported).</summary>
    private static async Task<ICgroupHandle?> CreatedOrNullAsync(Task<ICgroupHandle> creating)
    {
        try
        {
            return await creating;
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            return null;
        }
    }

    /// <summary>The boot of the last run's mount, from its plan, when the directory held a container before.</summary>
    private static string? PreviousBootId(ContainerPaths paths) =>
        Directory.Exists(Path.Combine(paths.Work, "work", "incompat")) && File.Exists(paths.Plan)
            ? LaunchPlanSerializer.Read(File.ReadAllText(paths.Plan)).Labels.GetValueOrDefault(LaunchPlanBuilder.BootIdLabel)
            : null;

    /// <summary>
    /// A file bind-mounted into the container (/etc/hosts, ...): 0644 whatever the daemon's umask,
    /// since any user of the container reads it; its root-only run directory keeps others out on the host.
    /// </summary>
    private static void WriteReadableByContainer(string path, string content)
    {
        File.WriteAllText(path, content);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("container files need Unix file modes");
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    internal void OnExited(string id, ContainerExit exit) => LogExited(id, exit.ExitCode, exit.Error ?? "none");

    /// <summary>Reads a file of the image without following a symlink out of it.</summary>
    internal static string? ReadImageFile(string rootfs, string relative)
    {
        var path = Path.Combine(rootfs, relative);
        var info = new FileInfo(path);
        if (!info.Exists || info.LinkTarget is not null)
        {
            return null;
        }

        return File.ReadAllText(path);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "container {Id} started, init pid {Pid}, exec error: {Error}")]
    private partial void LogStarted(string id, int pid, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "container {Id} start steps (ms): {Steps}")]
    private partial void LogStartSteps(string id, StepTimings steps);

    [LoggerMessage(Level = LogLevel.Debug, Message = "container {Id} adopted: {State}")]
    private partial void LogAdopted(string id, string state);

    [LoggerMessage(Level = LogLevel.Debug, Message = "container {Id} exited with {ExitCode}, error: {Error}")]
    private partial void LogExited(string id, int exitCode, string error);
}

/// <summary>Checks through /proc that a pid still is the process we think it is.</summary>
internal static class ProcessIdentity
{
    /// <summary>True when <paramref name="pid"/> runs "ck-init shim PLAN" for this plan file.</summary>
    public static bool IsShimOf(int pid, string planPath)
    {
        try
        {
            var args = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline").Split('\0');
            return args.Length >= 3 && Path.GetFileName(args[0]) == HelperBinary.FileName && args[1] == "shim" && args[2] == planPath;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The parent pid from /proc/PID/stat, or 0 if the process is gone.</summary>
    public static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            // The command name may hold spaces and parentheses: fields start after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
