using ClusterKit.Proto.Worker.V1;
using ClusterKit.Worker.Cgroups;
using ClusterKit.Worker.Containers;
using ClusterKit.Worker.Images;
using ClusterKit.Worker.Runtime;
using ClusterKit.Worker.Runtime.Logs;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ClusterKit.Worker.Api;

/// <summary>The Containers service of the local API: a thin translation onto <see cref="ContainerManager"/>.</summary>
internal sealed class ContainersApi(
    ContainerManager containers,
    AttachBroker attach,
    IImageStore images,
    ICgroupManager cgroups,
    TimeProvider time) : Proto.Worker.V1.Containers.ContainersBase
{
    public override async Task<ContainerInfo> Create(CreateContainerRequest request, ServerCallContext context) =>
        await containers.SnapshotAsync(await containers.CreateAsync(request.Spec ?? throw new ArgumentException("the request has no container spec"), context.CancellationToken), context.CancellationToken);

    public override Task<ContainerInfo> Start(ContainerRef request, ServerCallContext context) =>
        containers.StartAsync(request.Id, context.CancellationToken);

    public override async Task<ContainerInfo> Stop(StopContainerRequest request, ServerCallContext context) =>
        await containers.SnapshotAsync(await containers.StopAsync(request.Id, request.TimeoutSeconds, context.CancellationToken), context.CancellationToken);

    public override Task<ContainerInfo> Restart(StopContainerRequest request, ServerCallContext context) =>
        containers.RestartAsync(request.Id, request.TimeoutSeconds, context.CancellationToken);

    public override async Task<ContainerInfo> Kill(KillContainerRequest request, ServerCallContext context) =>
        await containers.SnapshotAsync(await containers.KillAsync(request.Id, request.Signal, context.CancellationToken), context.CancellationToken);

    public override async Task<RemoveContainerResponse> Remove(RemoveContainerRequest request, ServerCallContext context)
    {
        var id = containers.Find(request.Id).Info.Id;
        await containers.RemoveAsync(id, request.Force, context.CancellationToken);
        return new RemoveContainerResponse { Id = id };
    }

    public override async Task<ListContainersResponse> List(ListContainersRequest request, ServerCallContext context)
    {
        var response = new ListContainersResponse();
        foreach (var record in containers.All)
        {
            var info = await containers.SnapshotAsync(record, context.CancellationToken);
            if (request.All || info.State.Status is ContainerStatuses.Running or ContainerStatuses.Restarting)
            {
                response.Containers.Add(info);
            }
        }

        var ordered = response.Containers.OrderByDescending(c => c.State.CreatedAt).ToList();
        response.Containers.Clear();
        response.Containers.AddRange(ordered);
        return response;
    }

    public override async Task<ContainerInfo> Inspect(ContainerRef request, ServerCallContext context) =>
        await containers.SnapshotAsync(containers.Find(request.Id), context.CancellationToken);

    public override Task<WaitContainerResponse> Wait(WaitContainerRequest request, ServerCallContext context) =>
        containers.WaitAsync(request.Id, WaitConditions.IsNextExit(request.Condition), context.CancellationToken);

    public override async Task Logs(LogsRequest request, IServerStreamWriter<LogRecord> responseStream, ServerCallContext context)
    {
        var record = containers.Find(request.Id);
        var id = record.Info.Id;
        var logPath = record.Info.LogPath;
        var tail = request.Tail < 0 ? 0 : request.Tail == 0 && request.Follow ? 0 : request.Tail;
        if (request.Tail == 0 && !request.Follow)
        {
            return;
        }

        if (!File.Exists(logPath))
        {
            if (!request.Follow)
            {
                return;
            }

            await WaitForFileAsync(logPath, id, context.CancellationToken);
        }

        if (!request.Follow)
        {
            foreach (var entry in ContainerLogs.Read(logPath, tail))
            {
                await responseStream.WriteAsync(ToRecord(entry), context.CancellationToken);
            }

            return;
        }

        await foreach (var entry in ContainerLogs.FollowAsync(logPath, tail, () => !containers.IsRunning(id), time, context.CancellationToken))
        {
            await responseStream.WriteAsync(ToRecord(entry), context.CancellationToken);
        }
    }

    public override async Task Attach(IAsyncStreamReader<StdioInput> requestStream, IServerStreamWriter<StdioOutput> responseStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        if (!await requestStream.MoveNext(ct) || requestStream.Current.KindCase != StdioInput.KindOneofCase.AttachContainer)
        {
            throw new ArgumentException("the first attach message must name the container");
        }

        var record = containers.Find(requestStream.Current.AttachContainer);

        // Registered before the container starts: a container that removes itself on exit still reports its code.
        var exited = containers.WaitAsync(record.Info.Id, nextExit: true, ct);
        var socket = containers.PathsOf(record).AttachSocket;
        var connected = attach.WaitForAttachAsync(record, socket, containers.IsRunning(record.Info.Id), ct);

        // Tells the client it may start the container now: the attach is registered.
        await responseStream.WriteAsync(new StdioOutput { StartedId = record.Info.Id }, ct);
        await using var client = await connected;
        var input = PumpInputAsync(requestStream, client, ct);
        while (await client.ReadAsync(ct) is { } chunk)
        {
            await responseStream.WriteAsync(chunk.Stream == 2 ? new StdioOutput { Stderr = ByteString.CopyFrom(chunk.Data) } : new StdioOutput { Stdout = ByteString.CopyFrom(chunk.Data) }, ct);
        }

        await responseStream.WriteAsync(new StdioOutput { Exit = await exited }, ct);
        await IgnoreEndAsync(input);
    }

    public override async Task Exec(IAsyncStreamReader<StdioInput> requestStream, IServerStreamWriter<StdioOutput> responseStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        if (!await requestStream.MoveNext(ct) || requestStream.Current.KindCase != StdioInput.KindOneofCase.Exec)
        {
            throw new ArgumentException("the first exec message must carry the exec spec");
        }

        var spec = requestStream.Current.Exec;
        if (spec.Cmd.Count == 0)
        {
            throw new ArgumentException("exec needs a command");
        }

        var record = containers.Find(spec.ContainerId);
        var running = containers.Running(record);
        using var process = await running.ExecAsync(
            new ExecOptions
            {
                Args = [.. spec.Cmd],
                Env = [.. spec.Env],
                WorkingDirectory = spec.WorkingDir.Length > 0 ? spec.WorkingDir : null,
                User = spec.User.Length > 0 ? spec.User : null,
                Tty = spec.Tty,
                TerminalSize = TerminalSizeOf(spec.Size),
            },
            ct);
        var writeLock = new SemaphoreSlim(1, 1);
        var stdout = CopyOutputAsync(process.StandardOutput, data => new StdioOutput { Stdout = data }, responseStream, writeLock, ct);
        var stderr = CopyOutputAsync(process.StandardError, data => new StdioOutput { Stderr = data }, responseStream, writeLock, ct);
        var input = spec.Stdin ? PumpExecInputAsync(requestStream, process, ct) : CloseAsync(process.StandardInput);
        var exitCode = await process.WaitAsync(ct);
        await Task.WhenAll(stdout, stderr);
        await responseStream.WriteAsync(new StdioOutput { ExitCode = exitCode }, ct);
        await IgnoreEndAsync(input);
    }

    public override async Task Stats(StatsRequest request, IServerStreamWriter<ContainerStats> responseStream, ServerCallContext context)
    {
        var record = containers.Find(request.Id);
        var previous = Sample(record);
        do
        {
            await Task.Delay(TimeSpan.FromMilliseconds(request.Stream ? 1000 : 200), time, context.CancellationToken);
            var current = Sample(record);
            var elapsed = (current.Time.ToDateTimeOffset() - previous.Time.ToDateTimeOffset()).TotalNanoseconds;
            current.CpuPercent = elapsed > 0 && current.CpuUsageNanos >= previous.CpuUsageNanos
                ? (current.CpuUsageNanos - previous.CpuUsageNanos) / elapsed * 100
                : 0;
            await responseStream.WriteAsync(current, context.CancellationToken);
            previous = current;
        }
        while (request.Stream && !context.CancellationToken.IsCancellationRequested);
    }

    public override async Task<ImageInfo> Commit(CommitContainerRequest request, ServerCallContext context)
    {
        var record = containers.Find(request.Id);
        var upper = containers.PathsOf(record).Upper;
        if (!Directory.Exists(upper))
        {
            throw new ContainerConflictException($"container {record.Info.Name} has never run, so it has no changes to commit");
        }

        var details = await images.CommitAsync(
            new CommitRequest(upper, record.Info.ImageId, request.Reference.Length > 0 ? request.Reference : null, [.. request.Changes], request.Comment.Length > 0 ? request.Comment : null)
            {
                ContainerConfig = new Images.Configs.ContainerConfig
                {
                    Cmd = [.. record.Info.Spec.Cmd.Count > 0 ? record.Info.Spec.Cmd : record.Info.EffectiveCommand],
                    Env = [.. record.Env],
                    WorkingDir = record.WorkingDir,
                    User = record.User,
                },
            },
            context.CancellationToken);
        return ImageMapping.ToProto(details);
    }

    private ContainerStats Sample(ContainerRecord record)
    {
        var stats = new ContainerStats { Id = record.Info.Id, Name = record.Info.Name, Time = Timestamp.FromDateTimeOffset(time.GetUtcNow()) };
        var cgroup = containers.IsRunning(record.Info.Id) ? cgroups.Open(record.Info.Id) : null;
        if (cgroup is not null)
        {
            var usage = cgroup.ReadUsage();
            stats.CpuUsageNanos = usage.CpuUsageNanos;
            stats.MemoryUsageBytes = usage.MemoryUsageBytes;
            stats.MemoryLimitBytes = usage.MemoryLimitBytes;
            stats.PidsCurrent = usage.PidsCurrent;
            stats.PidsLimit = usage.PidsLimit;
        }

        return stats;
    }

    private async Task WaitForFileAsync(string path, string id, CancellationToken ct)
    {
        while (!File.Exists(path))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), time, ct);
            if (!containers.IsRunning(id) && containers.Find(id).Info.State.Status == ContainerStatuses.Exited)
            {
                return;
            }
        }
    }

    /// <summary>The caller's terminal size; none when it sent none or a zero side.</summary>
    internal static Runtime.TerminalSize? TerminalSizeOf(ClusterKit.Proto.Worker.V1.TerminalSize? size)
    {
        if (size is null || size.Rows == 0 || size.Cols == 0)
        {
            return null;
        }

        return size.Rows > ushort.MaxValue || size.Cols > ushort.MaxValue
            ? throw new ArgumentException($"exec terminal size {size.Rows}x{size.Cols} is too large: rows and columns are at most {ushort.MaxValue}")
            : new Runtime.TerminalSize((ushort)size.Rows, (ushort)size.Cols);
    }

    private static LogRecord ToRecord(LogEntry entry) => new()
    {
        Stream = entry.Stream,
        Data = ByteString.CopyFromUtf8(entry.Text),
        Time = Timestamp.FromDateTimeOffset(entry.Time),
    };

    private static async Task PumpInputAsync(IAsyncStreamReader<StdioInput> requests, AttachClient client, CancellationToken ct)
    {
        while (await requests.MoveNext(ct))
        {
            var input = requests.Current;
            switch (input.KindCase)
            {
                case StdioInput.KindOneofCase.Stdin:
                    await client.WriteStdinAsync(input.Stdin.Memory, ct);
                    break;
                case StdioInput.KindOneofCase.CloseStdin:
                    await client.CloseStdinAsync(ct);
                    break;
                case StdioInput.KindOneofCase.Resize:
                    await client.ResizeAsync((ushort)input.Resize.Rows, (ushort)input.Resize.Cols, ct);
                    break;
            }
        }
    }

    private static async Task PumpExecInputAsync(IAsyncStreamReader<StdioInput> requests, ExecProcess process, CancellationToken ct)
    {
        while (await requests.MoveNext(ct))
        {
            var input = requests.Current;
            switch (input.KindCase)
            {
                case StdioInput.KindOneofCase.Stdin:
                    await process.StandardInput.WriteAsync(input.Stdin.Memory, ct);
                    await process.StandardInput.FlushAsync(ct);
                    break;
                case StdioInput.KindOneofCase.CloseStdin:
                    await CloseAsync(process.StandardInput);
                    return;
                case StdioInput.KindOneofCase.Signal:
                    process.Signal(Signals.Parse(input.Signal));
                    break;
            }
        }
    }

    private static async Task CopyOutputAsync(Stream source, Func<ByteString, StdioOutput> wrap, IServerStreamWriter<StdioOutput> target, SemaphoreSlim writeLock, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await source.ReadAsync(buffer, ct)) > 0)
        {
            await writeLock.WaitAsync(ct);
            try
            {
                await target.WriteAsync(wrap(ByteString.CopyFrom(buffer, 0, read)), ct);
            }
            finally
            {
                writeLock.Release();
            }
        }
    }

    private static Task CloseAsync(Stream stream)
    {
        stream.Close();
        return Task.CompletedTask;
    }

    private static async Task IgnoreEndAsync(Task input)
    {
        try
        {
            await input.WaitAsync(TimeSpan.FromSeconds(1));
        }
        catch (Exception error) when (error is OperationCanceledException or IOException or TimeoutException or InvalidOperationException)
        {
            // The client went away or the process closed its stdin: nothing left to forward.
        }
    }
}
