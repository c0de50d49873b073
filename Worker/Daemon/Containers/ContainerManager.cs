using System.Collections.Concurrent;
using ClusterKit.Proto.Worker.V1;
using ClusterKit.Worker.Cgroups;
using ClusterKit.Worker.Host;
using ClusterKit.Worker.Hosting;
using ClusterKit.Worker.Images;
using ClusterKit.Worker.Images.Configs;
using ClusterKit.Worker.Networking;
using ClusterKit.Worker.Runtime;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using NetworkMode = ClusterKit.Worker.Networking.NetworkMode;

namespace ClusterKit.Worker.Containers;

/// <summary>
/// The worker's containers: creates them from images, starts them through the runtime with
/// their cgroup and network, follows their exits, applies restart policies, and finds them
/// again after a worker restart. One operation at a time per container.
/// </summary>
public sealed partial class ContainerManager : IAsyncDisposable
{
    private readonly WorkerOptions _options;
    private readonly ContainerRecordStore _records;
    private readonly IImageStore _images;
    private readonly ContainerRuntime _runtime;
    private readonly IContainerNetwork _network;
    private readonly AttachBroker _attach;
    private readonly ISystemCalls _systemCalls;
    private readonly TimeProvider _time;
    private readonly ILogger<ContainerManager> _logger;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Instance> _instances = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _shutdown = new();
    private readonly SemaphoreSlim _createGate = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<WaitContainerResponse>> _nextExit = new(StringComparer.Ordinal);
    private readonly TrashDeleter _trash;
    private readonly CrashPoint _crash = CrashPoint.FromEnvironment();
    private volatile bool _stoppingAll;
    private int _disposed;

    public ContainerManager(
        IOptions<WorkerOptions> options,
        ContainerRecordStore records,
        IImageStore images,
        ContainerRuntime runtime,
        IContainerNetwork network,
        AttachBroker attach,
        ISystemCalls systemCalls,
        TimeProvider time,
        ILogger<ContainerManager> logger)
    {
        _options = options.Value;
        _records = records;
        _images = images;
        _runtime = runtime;
        _network = network;
        _attach = attach;
        _systemCalls = systemCalls;
        _time = time;
        _logger = logger;
        _trash = new TrashDeleter(LogTrashDeleteFailed);
    }

    /// <summary>A started run of a container: the runtime's handle and the end of its exit handling.</summary>
    private sealed class Instance(RunningContainer running)
    {
        public RunningContainer Running { get; } = running;

        public TaskCompletionSource<WaitContainerResponse> Exited { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public IReadOnlyCollection<ContainerRecord> All => _records.All;

    public ContainerRecord Find(string idOrName) => _records.Find(idOrName);

    /// <summary>
    /// A copy of the container's info taken under its lock: exits are recorded concurrently, and a
    /// message must not change while gRPC serializes it.
    /// </summary>
    public async Task<ContainerInfo> SnapshotAsync(ContainerRecord record, CancellationToken cancellationToken)
    {
        using var held = await LockAsync(record.Info.Id, cancellationToken);
        return record.Info.Clone();
    }

    public string? ContainerUsingImage(string imageId) =>
        _records.All.FirstOrDefault(r => r.Info.ImageId == imageId)?.Info.Id;

    // ------------------------------------------------------------------ create

    public async Task<ContainerRecord> CreateAsync(ContainerSpec spec, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(spec.Image))
        {
            throw new ArgumentException("no image given: name one, e.g. busybox:latest");
        }

        var limits = new ResourceLimits(spec.MemoryBytes, spec.NanoCpus, spec.CpuShares, spec.PidsLimit);
        ResourceLimitsValidator.Validate(limits, Environment.ProcessorCount);
        _ = PortMappings.FromProto(spec.Ports);
        if (spec.NetworkMode is not ("" or "bridge" or "host" or "none"))
        {
            throw new ArgumentException($"invalid network mode '{spec.NetworkMode}': use bridge, host or none");
        }

        if (spec.NetworkMode is "host" or "none" && spec.Ports.Count > 0)
        {
            throw new ArgumentException($"published ports need the bridge network; this container uses --network {spec.NetworkMode}");
        }

        foreach (var signal in new[] { spec.StopSignal }.Where(s => s.Length > 0))
        {
            _ = Signals.Parse(signal);
        }

        ContainerMountRules.Validate(Binds(spec), TmpfsMounts(spec), Devices(spec));

        var steps = new StepTimings(_crash.For("create"));
        var image = await _images.InspectAsync(spec.Image, cancellationToken);
        steps.Lap("image");
        var config = ContainerConfigMerger.Merge(
            image.Config,
            new ContainerOverrides
            {
                Cmd = spec.Cmd.Count > 0 ? [.. spec.Cmd] : null,
                Entrypoint = spec.EntrypointSet ? [.. spec.Entrypoint] : null,
                Env = [.. spec.Env],
                WorkingDir = spec.WorkingDir.Length > 0 ? spec.WorkingDir : null,
                User = spec.User.Length > 0 ? spec.User : null,
                StopSignal = spec.StopSignal.Length > 0 ? spec.StopSignal : null,
            },
            spec.Image);
        if (config.Command.Count == 0)
        {
            throw new ArgumentException($"no command to run: image {spec.Image} has no Cmd or Entrypoint; give one after the image name");
        }

        var lowerDirs = await _images.GetLayerDirectoriesAsync(image.Id, cancellationToken);
        steps.Lap("layers");
        await _createGate.WaitAsync(cancellationToken);
        try
        {
            var name = spec.Name.Length > 0 ? spec.Name : ContainerNames.Generate(n => _records.NameInUse(n, out _));
            ContainerNames.Validate(name);
            if (_records.NameInUse(name, out var owner))
            {
                throw new ContainerConflictException($"container name '{name}' is already in use by container {owner!.Info.Id[..12]}; remove it or choose another name");
            }

            var id = ContainerNames.NewId();
            var paths = _records.PathsOf(id);
            var record = new ContainerRecord
            {
                Info = new ContainerInfo
                {
                    Id = id,
                    Name = name,
                    Image = spec.Image,
                    ImageId = image.Id,
                    Spec = spec,
                    State = new Proto.Worker.V1.ContainerState { Status = ContainerStatuses.Created, CreatedAt = Now() },
                    Rootfs = paths.Rootfs,
                    LogPath = paths.Log,
                },
                WorkingDir = config.WorkingDir,
                User = config.User,
                Hostname = spec.Hostname.Length > 0 ? spec.Hostname : id[..12],
                StopSignal = config.StopSignal,
            };
            record.Info.Spec.Name = name;
            record.Info.EffectiveCommand.AddRange(config.Command);
            record.Env.AddRange(config.Env);
            record.LowerDirs.AddRange(lowerDirs);
            steps.Lap("record");
            _records.Save(record);
            steps.Lap("save");
            LogCreated(id, name, spec.Image);
            LogSteps("create", id, steps);
            return record;
        }
        finally
        {
            _createGate.Release();
        }
    }

    // ------------------------------------------------------------------ start, stop, kill

    /// <summary>
    /// Starts the container and returns it as it was when started: a short-lived process may have exited by the time
    /// the caller reads it again, and the reply must not wait for that exit to be recorded.
    /// </summary>
    public async Task<ContainerInfo> StartAsync(string idOrName, CancellationToken cancellationToken)
    {
        var record = _records.Find(idOrName);
        using var held = await LockAsync(record.Info.Id, cancellationToken);
        if (!_instances.ContainsKey(record.Info.Id))
        {
            record.StoppedByUser = false;
            await LaunchAsync(record, cancellationToken);
        }

        _crash.Reached("start:reply");
        return record.Info.Clone();
    }

    /// <summary>Sends the stop signal, waits the grace period, then SIGKILL; returns once the exit is recorded.</summary>
    public async Task<ContainerRecord> StopAsync(string idOrName, int timeoutSeconds, CancellationToken cancellationToken)
    {
        var record = _records.Find(idOrName);
        var id = record.Info.Id;
        Instance? instance;
        using (await LockAsync(id, cancellationToken))
        {
            record.StoppedByUser = true;
            _records.Save(record);
            if (!_instances.TryGetValue(id, out instance))
            {
                return record;
            }
        }

        var grace = TimeSpan.FromSeconds(timeoutSeconds >= 0 ? timeoutSeconds : StopTimeout(record));
        var signal = Signals.Parse(record.StopSignal.Length > 0 ? record.StopSignal : "SIGTERM");
        await instance.Running.StopAsync(signal, grace, cancellationToken);
        await instance.Exited.Task.WaitAsync(cancellationToken);
        return record;
    }

    public async Task<ContainerInfo> RestartAsync(string idOrName, int timeoutSeconds, CancellationToken cancellationToken)
    {
        var record = await StopAsync(idOrName, timeoutSeconds, cancellationToken);
        return await StartAsync(record.Info.Id, cancellationToken);
    }

    public async Task<ContainerRecord> KillAsync(string idOrName, string signalText, CancellationToken cancellationToken)
    {
        var signal = Signals.Parse(signalText.Length > 0 ? signalText : "KILL");
        var record = _records.Find(idOrName);
        using (await LockAsync(record.Info.Id, cancellationToken))
        {
            if (!_instances.TryGetValue(record.Info.Id, out var instance))
            {
                throw new ContainerConflictException($"container {record.Info.Name} ({record.Info.Id[..12]}) is not running");
            }

            if (signal == Signals.Kill || signal == Signals.Term)
            {
                record.StoppedByUser = true;
                _records.Save(record);
            }

            instance.Running.Signal(signal);
        }

        return record;
    }

    public async Task RemoveAsync(string idOrName, bool force, CancellationToken cancellationToken)
    {
        var record = _records.Find(idOrName);
        var id = record.Info.Id;
        var steps = new StepTimings();
        Instance? running;
        using (await LockAsync(id, cancellationToken))
        {
            if (_instances.TryGetValue(id, out running))
            {
                if (!force)
                {
                    throw new ContainerConflictException($"container {record.Info.Name} ({id[..12]}) is running: stop it first or use --force");
                }

                record.StoppedByUser = true;
                running.Running.Signal(Signals.Kill);
            }
        }

        // The exit is recorded under the container's lock, so wait for it outside.
        if (running is not null)
        {
            await running.Exited.Task.WaitAsync(cancellationToken);
        }

        using (await LockAsync(id, cancellationToken))
        {
            if (_instances.ContainsKey(id))
            {
                throw new ContainerConflictException($"container {record.Info.Name} ({id[..12]}) was started again while being removed; try again");
            }

            steps.Lap("lock");
            await DeleteFilesAsync(record, cancellationToken);
            steps.Lap("files");
            _records.Forget(id);
        }

        _locks.TryRemove(id, out _);
        LogRemoved(id);
        LogSteps("remove", id, steps);
    }

    /// <summary>
    /// Completes when the container is not running, with how its last run ended; with
    /// <paramref name="nextExit"/>, at the end of its next run even if it has not started yet
    /// (so that `run --rm` learns the exit code of a container that removes itself).
    /// </summary>
    public async Task<WaitContainerResponse> WaitAsync(string idOrName, bool nextExit, CancellationToken cancellationToken)
    {
        var record = _records.Find(idOrName);
        if (_instances.TryGetValue(record.Info.Id, out var instance))
        {
            return await instance.Exited.Task.WaitAsync(cancellationToken);
        }

        if (nextExit)
        {
            var waiter = _nextExit.GetOrAdd(record.Info.Id, _ => new TaskCompletionSource<WaitContainerResponse>(TaskCreationOptions.RunContinuationsAsynchronously));
            return await waiter.Task.WaitAsync(cancellationToken);
        }

        return new WaitContainerResponse { ExitCode = record.Info.State.ExitCode, OomKilled = record.Info.State.OomKilled, Error = record.Info.State.Error };
    }

    /// <summary>The runtime's handle of a running container, for exec, attach and stats.</summary>
    public RunningContainer Running(ContainerRecord record) =>
        _instances.TryGetValue(record.Info.Id, out var instance)
            ? instance.Running
            : throw new ContainerConflictException($"container {record.Info.Name} ({record.Info.Id[..12]}) is not running");

    public bool IsRunning(string id) => _instances.ContainsKey(id);

    /// <summary>Where the container's files are: its directory on disk and its run directory.</summary>
    public ContainerPaths PathsOf(ContainerRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return _records.PathsOf(record.Info.Id);
    }

    // ------------------------------------------------------------------ launch and exit

    private static List<BindMount> Binds(ContainerSpec spec) => [.. spec.Volumes.Select(v => new BindMount(v.Source, v.Target, v.ReadOnly))];

    private static List<Runtime.TmpfsMount> TmpfsMounts(ContainerSpec spec) => [.. spec.Tmpfs.Select(t => new Runtime.TmpfsMount(t.Target, t.Options))];

    private static List<Runtime.DeviceMapping> Devices(ContainerSpec spec) =>
        [.. spec.Devices.Select(d => new Runtime.DeviceMapping(
            d.HostPath,
            d.ContainerPath.Length > 0 ? d.ContainerPath : d.HostPath,
            d.Permissions.Length > 0 ? d.Permissions : "rwm"))];

    private async Task LaunchAsync(ContainerRecord record, CancellationToken cancellationToken)
    {
        var steps = new StepTimings(_crash.For("start"));
        var info = record.Info;
        var spec = info.Spec;
        var mode = spec.NetworkMode switch
        {
            "host" => NetworkMode.Host,
            "none" => NetworkMode.None,
            _ => NetworkMode.Bridge,
        };
        var ports = PortMappings.FromProto(spec.Ports);
        var paths = _records.PathsOf(info.Id);
        Networking.NetworkAttachment? attachment = null;
        var launch = new ContainerLaunch
        {
            Id = info.Id,
            ContainerDirectory = paths.Directory,
            RunDirectory = paths.RunDirectory,
            LowerDirs = [.. record.LowerDirs],
            Args = [.. info.EffectiveCommand],
            Env = [.. record.Env],
            WorkingDirectory = record.WorkingDir.Length > 0 ? record.WorkingDir : "/",
            User = record.User.Length > 0 ? record.User : null,
            Hostname = record.Hostname,
            Network = mode == NetworkMode.Host ? ContainerNetworkMode.Host : ContainerNetworkMode.Isolated,
            Tty = spec.Tty,
            OpenStdin = spec.OpenStdin,
            ReadOnlyRootfs = spec.ReadOnly,
            CapAdd = [.. spec.CapAdd],
            CapDrop = [.. spec.CapDrop],
            Binds = Binds(spec),
            Tmpfs = TmpfsMounts(spec),
            Devices = Devices(spec),
            NoNewPrivileges = spec.NoNewPrivileges,
            Limits = new ResourceLimits(spec.MemoryBytes, spec.NanoCpus, spec.CpuShares, spec.PidsLimit),
            LogMaxSizeBytes = _options.LogMaxBytes,
            LogMaxFiles = _options.LogMaxFiles,
            ResolvConf = ContainerFiles.ResolvConf(ReadHostResolvConf(), mode == NetworkMode.Host, _options.EffectiveFallbackDns),
            StepReached = _crash.For("start"),
        };

        steps.Lap("launch");
        RunningContainer running;
        try
        {
            running = await _runtime.StartAsync(
                // The bridge address is known only in the hook: the file is rewritten in place there.
                launch with { HostsFile = ContainerFiles.Hosts(record.Hostname, null) },
                async (pid, ct) =>
                {
                    if (mode == NetworkMode.Bridge)
                    {
                        attachment = await _network.AttachAsync(ContainerNetworkRequest.ForProcess(info.Id, info.Name, mode, pid, ports), ct);
                        await File.WriteAllTextAsync(paths.Hosts, ContainerFiles.Hosts(record.Hostname, attachment.Address?.ToString()), ct);
                        await SavedNetwork.WriteAsync(paths, ToProto(attachment), ct);
                    }

                    await _attach.ConnectWaitingAsync(info.Id, paths.AttachSocket, ct);
                },
                cancellationToken);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            if (attachment is not null)
            {
                await _network.DetachAsync(info.Id, CancellationToken.None);
            }

            info.State.Error = error.Message;
            _records.Save(record);
            throw;
        }

        steps.Lap("runtime");
        var instance = new Instance(running);
        _instances[info.Id] = instance;
        info.State.Status = ContainerStatuses.Running;
        info.State.Pid = running.InitPid;
        info.State.StartedAt = Timestamp.FromDateTimeOffset(running.StartedAt ?? _time.GetUtcNow());
        info.State.Error = string.Empty;
        info.State.ExitCode = 0;
        info.State.OomKilled = false;
        info.State.Signal = 0;
        info.Network = attachment is null ? new Proto.Worker.V1.NetworkAttachment { Mode = spec.NetworkMode.Length > 0 ? spec.NetworkMode : "bridge" } : ToProto(attachment);

        // The run directory holds the plan and pid: a worker that dies before this write adopts the container anyway.
        _records.SaveState(record);
        steps.Lap("save");
        LogStarted(info.Id, running.InitPid);
        LogSteps("start", info.Id, steps);
        _ = FollowExitAsync(record, instance);
    }

    private async Task FollowExitAsync(ContainerRecord record, Instance instance)
    {
        ContainerExit exit;
        try
        {
            exit = await instance.Running.WaitAsync(_shutdown.Token);
        }
        catch (OperationCanceledException)
        {
            // The worker is shutting down; the container keeps running and is adopted next start.
            return;
        }

        var id = record.Info.Id;
        var steps = new StepTimings();
        RestartDecision decision;
        using (await LockAsync(id, CancellationToken.None))
        {
            steps.Lap("lock");
            var state = record.Info.State;
            state.Status = ContainerStatuses.Exited;
            state.ExitCode = exit.ExitCode;
            state.Signal = exit.Signal;
            state.OomKilled = exit.OomKilled;
            state.Error = exit.Error ?? string.Empty;
            state.Pid = 0;
            state.FinishedAt = Timestamp.FromDateTimeOffset(exit.FinishedAt);
            _instances.TryRemove(id, out _);
            var ran = exit.FinishedAt - (exit.StartedAt ?? exit.FinishedAt);
            decision = record.Info.Spec.AutoRemove || _stoppingAll
                ? RestartDecision.Stay
                : RestartPolicyEvaluator.Decide(record.Info.Spec.Restart, exit.ExitCode, state.RestartCount, record.StoppedByUser, ran);
            if (decision.Restart)
            {
                state.Status = ContainerStatuses.Restarting;
            }

            // Waiters learn the exit now. The release and the record follow under the lock, so the
            // next operation on this container (start, remove, inspect) finds them done; a worker
            // that dies in between finds the exit record and releases at its next start.
            var result = new WaitContainerResponse { ExitCode = exit.ExitCode, OomKilled = exit.OomKilled, Error = exit.Error ?? string.Empty };
            instance.Exited.TrySetResult(result);
            if (_nextExit.TryRemove(id, out var nextExitWaiter))
            {
                nextExitWaiter.TrySetResult(result);
            }

            await ReleaseAsync(record, instance.Running);
            steps.Lap("release");
            if (_records.Contains(id))
            {
                // The shim's exit record in the run directory is what a restarted worker reads first.
                _records.SaveState(record);
            }

            steps.Lap("save");
            LogExited(id, exit.ExitCode, exit.OomKilled, decision.Restart);
            LogSteps("exit", id, steps);
        }

        if (record.Info.Spec.AutoRemove && !_shutdown.IsCancellationRequested)
        {
            await RemoveQuietlyAsync(id);
        }
        else if (decision.Restart)
        {
            _ = RestartLaterAsync(record, decision.Delay);
        }
    }

    private async Task RestartLaterAsync(ContainerRecord record, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _time, _shutdown.Token);
            using var held = await LockAsync(record.Info.Id, _shutdown.Token);
            if (record.StoppedByUser || _instances.ContainsKey(record.Info.Id) || !_records.All.Contains(record))
            {
                return;
            }

            record.Info.State.RestartCount++;
            await LaunchAsync(record, _shutdown.Token);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception error)
        {
            LogRestartFailed(record.Info.Id, error);
            record.Info.State.Status = ContainerStatuses.Exited;
            record.Info.State.Error = error.Message;
            _records.Save(record);
        }
    }

    /// <summary>After an exit: the network, the cgroup and the rootfs mount go; the container's files stay for a restart or commit.</summary>
    private async Task ReleaseAsync(ContainerRecord record, RunningContainer running)
    {
        try
        {
            if (record.Info.Network?.Mode is "bridge" or "")
            {
                await _network.DetachAsync(record.Info.Id, CancellationToken.None);
            }

            running.Release();
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            LogReleaseFailed(record.Info.Id, error);
        }
    }

    private async Task RemoveQuietlyAsync(string id)
    {
        try
        {
            await RemoveAsync(id, force: true, CancellationToken.None);
        }
        catch (ContainerNotFoundException)
        {
        }
    }

    /// <summary>
    /// Makes the removal durable at once (the directory, record included, is renamed to a trash
    /// name that <see cref="ContainerRecordStore.Load"/> skips) and deletes the files in the
    /// background: a recursive delete on disk is most of a remove's time.
    /// </summary>
    private async Task DeleteFilesAsync(ContainerRecord record, CancellationToken cancellationToken)
    {
        var paths = _records.PathsOf(record.Info.Id);
        var trash = _records.NewTrashPath(record.Info.Id);
        var handle = _runtime.Adopt(paths.Directory, paths.RunDirectory);
        if (handle is not null)
        {
            await handle.MoveToTrashAsync(trash, cancellationToken);
        }
        else if (Directory.Exists(paths.Directory))
        {
            if (Directory.Exists(paths.RunDirectory) && paths.SplitRunDirectory)
            {
                Directory.Delete(paths.RunDirectory, recursive: true);
            }

            Directory.Move(paths.Directory, trash);
        }
        else
        {
            return;
        }

        DeleteTrashLater(trash);
    }

    private void DeleteTrashLater(string trash) => _trash.Enqueue(trash);

    // ------------------------------------------------------------------ recovery

    /// <summary>
    /// At worker start: reads every record, re-adopts the containers whose processes still run,
    /// records the exit of those that ended while the worker was away (restarting them if their
    /// policy says so), frees what cut-short starts left behind, and rebuilds the network from
    /// what runs. Records in every state are checked: a worker may die between a start and
    /// the write of its record, so the run directory and the cgroup are the truth.
    /// </summary>
    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        if (RunDirectoryMount.Ensure(_options.ContainersRunDirectory, _systemCalls))
        {
            LogRunDirectoryMounted(_options.ContainersRunDirectory);
        }

        foreach (var problem in _records.Load())
        {
            LogUnreadableRecord(problem);
        }

        // Containers removed just before the last worker stopped: their files are still there.
        foreach (var trash in _records.TrashLeftovers())
        {
            DeleteTrashLater(trash);
        }

        await _network.EnsureBridgeAsync(cancellationToken);
        var toRestart = new List<ContainerRecord>();
        foreach (var record in _records.All)
        {
            try
            {
                if (await RecoverOneAsync(record, cancellationToken))
                {
                    toRestart.Add(record);
                }
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                // One container's broken run directory must not keep the worker (and every other container) down.
                LogRecoveryFailed(record.Info.Id, error);
            }
        }

        var endpoints = _records.All
            .Where(r => _instances.ContainsKey(r.Info.Id) && r.Info.Network is { Mode: "bridge" } n && n.IpAddress.Length > 0)
            .Select(r => new ContainerEndpoint(r.Info.Id, r.Info.Name, System.Net.IPAddress.Parse(r.Info.Network.IpAddress), PortMappings.FromProto(r.Info.Spec.Ports)))
            .ToList();
        var report = await _network.RebuildAsync(endpoints, cancellationToken);
        LogNetworkRebuilt(report.RestoredContainers, report.RemovedInterfaces.Count);
        foreach (var record in toRestart)
        {
            try
            {
                record.Info.State.RestartCount++;
                await StartAsync(record.Info.Id, cancellationToken);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                LogRestartFailed(record.Info.Id, error);
            }
        }
    }

    /// <summary>
    /// Brings one record in line with what runs: adopts a running shim (updating the record
    /// when the worker died before it recorded that start), or records how the run it knew
    /// ended and frees what is left (cgroup, overlay, a shim that never got "go").
    /// True when the container's restart policy asks for another run.
    /// </summary>
    private async Task<bool> RecoverOneAsync(ContainerRecord record, CancellationToken cancellationToken)
    {
        var id = record.Info.Id;
        var state = record.Info.State;
        var paths = _records.PathsOf(id);
        var recordedRunning = state.Status is ContainerStatuses.Running or ContainerStatuses.Restarting;
        var running = _runtime.Adopt(paths.Directory, paths.RunDirectory);
        if (running is not null && running.State == Runtime.ContainerState.Running)
        {
            var known = recordedRunning && running.InitPid == state.Pid;
            if (known || AdoptUnrecordedRun(record, running, paths))
            {
                var instance = new Instance(running);
                _instances[id] = instance;
                LogAdopted(id, running.InitPid, known);
                _ = FollowExitAsync(record, instance);
                return false;
            }

            // Running, but its network cannot be restored: it is stopped below, not left untracked.
            running.Dispose();
            running = null;
        }

        // The exit the shim recorded is read before the cgroup goes (its OOM count goes with it).
        var exit = running is not null && recordedRunning ? await running.WaitAsync(cancellationToken) : null;
        running?.Dispose();
        var leftovers = await _runtime.DiscardLeftoversAsync(id, paths.Directory, paths.RunDirectory, cancellationToken);
        if (!recordedRunning)
        {
            if (leftovers.ProcessesKilled)
            {
                state.Error = "the worker stopped during a start it could not recover; the container's processes were killed";
                _records.Save(record);
                LogDiscardedStart(id);
            }

            return false;
        }

        exit ??= leftovers.Exit;
        state.Status = ContainerStatuses.Exited;
        state.Pid = 0;
        state.ExitCode = exit?.ExitCode ?? (leftovers.ProcessesKilled ? 137 : 255);
        state.Signal = exit?.Signal ?? 0;
        state.OomKilled = exit?.OomKilled ?? false;
        state.Error = exit?.Error
            ?? (leftovers.ProcessesKilled
                ? "the worker stopped during a start it could not recover; the container's processes were killed"
                : "the container's processes were gone when the worker restarted");
        var finishedAt = exit?.FinishedAt ?? _time.GetUtcNow();
        state.FinishedAt = Timestamp.FromDateTimeOffset(finishedAt);
        _records.Save(record);
        LogFoundExited(id, state.ExitCode);
        var ran = finishedAt - (exit?.StartedAt ?? finishedAt);
        return !record.Info.Spec.AutoRemove
            && RestartPolicyEvaluator.Decide(record.Info.Spec.Restart, state.ExitCode, state.RestartCount, record.StoppedByUser, ran).Restart;
    }

    /// <summary>
    /// A shim runs a start the record does not show (the worker died between the process's
    /// start and the record's write): the start happened, so the record takes it on, network
    /// included (saved in the run directory before "go"). False when that network is missing.
    /// </summary>
    private bool AdoptUnrecordedRun(ContainerRecord record, RunningContainer running, ContainerPaths paths)
    {
        var info = record.Info;
        var mode = info.Spec.NetworkMode.Length > 0 ? info.Spec.NetworkMode : "bridge";
        var network = mode == "bridge" ? SavedNetwork.TryRead(paths) : new Proto.Worker.V1.NetworkAttachment { Mode = mode };
        if (network is null)
        {
            return false;
        }

        var state = info.State;
        if (state.Status == ContainerStatuses.Restarting)
        {
            // The policy's restart whose launch was cut short of its record.
            state.RestartCount++;
        }

        record.StoppedByUser = false;
        state.Status = ContainerStatuses.Running;
        state.Pid = running.InitPid;
        state.StartedAt = Timestamp.FromDateTimeOffset(running.StartedAt ?? _time.GetUtcNow());
        state.Error = string.Empty;
        state.ExitCode = 0;
        state.Signal = 0;
        state.OomKilled = false;
        info.Network = network;
        _records.Save(record);
        return true;
    }

    /// <summary>
    /// The worker is stopping. By default its containers keep running and the next start adopts
    /// them; with <paramref name="stopContainers"/> each is stopped with its own signal and grace
    /// and its exit recorded, without restarting it now (its restart policy applies at the next start).
    /// </summary>
    public async Task ShutdownAsync(bool stopContainers, CancellationToken cancellationToken)
    {
        if (stopContainers)
        {
            _stoppingAll = true;
            await Task.WhenAll(_instances.ToArray().Select(entry => StopForShutdownAsync(entry.Key, entry.Value, cancellationToken)));
        }

        await _shutdown.CancelAsync();
    }

    private async Task StopForShutdownAsync(string id, Instance instance, CancellationToken cancellationToken)
    {
        try
        {
            var record = _records.Find(id);
            var signal = Signals.Parse(record.StopSignal.Length > 0 ? record.StopSignal : "SIGTERM");
            await instance.Running.StopAsync(signal, TimeSpan.FromSeconds(StopTimeout(record)), cancellationToken);
            await instance.Exited.Task.WaitAsync(cancellationToken);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            LogShutdownStopFailed(id, error);
        }
    }

    /// <summary>Idempotent: the host stops the manager, then the service provider disposes it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _shutdown.CancelAsync();
        foreach (var instance in _instances.Values)
        {
            instance.Running.Dispose();
        }

        // Let background deletions finish; any cut short (a kill) are retried at the next start.
        _trash.Dispose();

        _shutdown.Dispose();
        _createGate.Dispose();
    }

    // ------------------------------------------------------------------ helpers

    private int StopTimeout(ContainerRecord record) =>
        record.Info.Spec.StopTimeoutSeconds >= 0 ? record.Info.Spec.StopTimeoutSeconds : _options.DefaultStopTimeoutSeconds;

    private Timestamp Now() => Timestamp.FromDateTimeOffset(_time.GetUtcNow());

    private static string ReadHostResolvConf()
    {
        try
        {
            return File.ReadAllText("/etc/resolv.conf");
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    private static Proto.Worker.V1.NetworkAttachment ToProto(Networking.NetworkAttachment attachment) => new()
    {
        Mode = attachment.Mode.ToString().ToLowerInvariant(),
        IpAddress = attachment.Address?.ToString() ?? string.Empty,
        PrefixLength = attachment.PrefixLength,
        Gateway = attachment.Gateway?.ToString() ?? string.Empty,
        MacAddress = attachment.MacAddress ?? string.Empty,
        Interface = attachment.HostInterface ?? string.Empty,
    };

    private async Task<Releaser> LockAsync(string id, CancellationToken cancellationToken)
    {
        var gate = _locks.GetOrAdd(id, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        return new Releaser(gate);
    }

    private readonly struct Releaser(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "created container {Id} ({Name}) from {Image}")]
    private partial void LogCreated(string id, string name, string image);

    [LoggerMessage(Level = LogLevel.Information, Message = "started container {Id}, init pid {Pid}")]
    private partial void LogStarted(string id, int pid);

    [LoggerMessage(Level = LogLevel.Information, Message = "container {Id} exited with {ExitCode} (oom {Oom}, restart {Restart})")]
    private partial void LogExited(string id, int exitCode, bool oom, bool restart);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Operation} {Id} steps (ms): {Steps}")]
    private partial void LogSteps(string operation, string id, StepTimings steps);

    [LoggerMessage(Level = LogLevel.Information, Message = "removed container {Id}")]
    private partial void LogRemoved(string id);

    [LoggerMessage(Level = LogLevel.Information, Message = "re-adopted running container {Id}, init pid {Pid} (start already recorded: {Recorded})")]
    private partial void LogAdopted(string id, int pid, bool recorded);

    [LoggerMessage(Level = LogLevel.Error, Message = "container {Id}: could not recover its state after the worker restart")]
    private partial void LogRecoveryFailed(string id, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "container {Id}: killed the processes of a start the worker could not recover")]
    private partial void LogDiscardedStart(string id);

    [LoggerMessage(Level = LogLevel.Information, Message = "container {Id} ended while the worker was away, exit code {ExitCode}")]
    private partial void LogFoundExited(string id, int exitCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "network rebuilt: {Restored} containers, {Removed} stray interfaces removed")]
    private partial void LogNetworkRebuilt(int restored, int removed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not restart container {Id}")]
    private partial void LogRestartFailed(string id, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not stop container {Id} while the worker stops")]
    private partial void LogShutdownStopFailed(string id, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not release the resources of container {Id}")]
    private partial void LogReleaseFailed(string id, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not delete the files of removed container directory {Trash}; retried at the next worker start")]
    private partial void LogTrashDeleteFailed(string trash, Exception error);

    [LoggerMessage(Level = LogLevel.Information, Message = "mounted a tmpfs for the containers' run directories on {Directory}")]
    private partial void LogRunDirectoryMounted(string directory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "skipped an unreadable container record: {Problem}")]
    private partial void LogUnreadableRecord(string problem);
}
