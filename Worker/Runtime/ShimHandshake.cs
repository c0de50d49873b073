using System.Globalization;
using System.IO.Pipes;
using ClusterKit.Worker.Host;
using Microsoft.Win32.SafeHandles;

namespace ClusterKit.Worker.Runtime;

/// <summary>
/// The worker's side of the start handshake with "ck-init shim": the shim prints "pid N" once
/// the namespaces exist, waits for "go", then prints "started TIME", "failed MESSAGE" (the
/// command could not be executed; the container still exits normally with 126/127) or
/// "error MESSAGE" (the container could not be set up). The shim is spawned with posix_spawn
/// on two pipes: .NET's Process machinery costs more than the rest of the spawn, and the shim
/// needs none of it (the exit watcher reaps it).
/// </summary>
internal sealed class ShimHandshake : IDisposable
{
    private const int SigKill = 9;

    private readonly ISystemCalls _systemCalls;
    private readonly AnonymousPipeClientStream _toShim;
    private readonly StreamReader _fromShim;
    private int _pidfd;

    private ShimHandshake(ISystemCalls systemCalls, int pid, int pidfd, AnonymousPipeClientStream toShim, StreamReader fromShim)
    {
        _systemCalls = systemCalls;
        Pid = pid;
        _pidfd = pidfd;
        _toShim = toShim;
        _fromShim = fromShim;
    }

    public int Pid { get; }

    public static ShimHandshake Start(ISystemCalls systemCalls, string helper, string planPath)
    {
        var toShim = systemCalls.CreatePipe();
        (int Read, int Write) fromShim;
        try
        {
            fromShim = systemCalls.CreatePipe();
        }
        catch
        {
            systemCalls.CloseDescriptor(toShim.Read);
            systemCalls.CloseDescriptor(toShim.Write);
            throw;
        }

        int pid;
        try
        {
            pid = systemCalls.Spawn(helper, [helper, "shim", planPath], toShim.Read, fromShim.Write);
        }
        catch (KernelCallException error)
        {
            systemCalls.CloseDescriptor(toShim.Write);
            systemCalls.CloseDescriptor(fromShim.Read);
            throw new ContainerStartException($"could not start {helper}: {error.Message}");
        }
        finally
        {
            // The shim's ends: only the shim holds them now, so its exit is our EOF and ours is its.
            systemCalls.CloseDescriptor(toShim.Read);
            systemCalls.CloseDescriptor(fromShim.Write);
        }

        // Signals go through a pidfd: the exit watcher may reap the shim at any moment, and a reaped pid can be reused.
        return new ShimHandshake(
            systemCalls,
            pid,
            systemCalls.OpenProcessDescriptor(pid),
            new AnonymousPipeClientStream(PipeDirection.Out, new SafePipeHandle(toShim.Write, ownsHandle: true)),
            new StreamReader(new AnonymousPipeClientStream(PipeDirection.In, new SafePipeHandle(fromShim.Read, ownsHandle: true))));
    }

    public async Task<int> ReadInitPidAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(cancellationToken);
        return line.StartsWith("pid ", StringComparison.Ordinal) && int.TryParse(line.AsSpan(4), CultureInfo.InvariantCulture, out var pid)
            ? pid
            : throw Failure(line);
    }

    /// <summary>Lets the init exec the user process; returns the start time and the exec error, if any.</summary>
    public async Task<(DateTimeOffset StartedAt, string? ExecError)> GoAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            await _toShim.WriteAsync("go\n"u8.ToArray(), cancellationToken);
        }
        catch (IOException)
        {
            // The shim gave up during the setup and closed its end; its reason is on stdout.
        }

        var line = await ReadLineAsync(cancellationToken);
        if (line.StartsWith("started ", StringComparison.Ordinal))
        {
            return (ExitRecord.ParseTime(line[8..]), null);
        }

        return line.StartsWith("failed ", StringComparison.Ordinal) ? (time.GetUtcNow(), line[7..]) : throw Failure(line);
    }

    /// <summary>Closes our ends of the handshake pipes; the shim runs on by itself.</summary>
    public void Release() => Dispose();

    /// <summary>Gives up: the shim dies and takes the init with it (PR_SET_PDEATHSIG).</summary>
    public void Abort()
    {
        if (_pidfd >= 0)
        {
            _systemCalls.SignalProcessDescriptor(_pidfd, SigKill);
        }

        Dispose();
    }

    /// <summary>Closes our ends: a shim still waiting for "go" sees EOF, kills the init and exits.</summary>
    public void Dispose()
    {
        _toShim.Dispose();
        _fromShim.Dispose();
        if (_pidfd >= 0)
        {
            _systemCalls.CloseDescriptor(_pidfd);
            _pidfd = -1;
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken) =>
        await _fromShim.ReadLineAsync(cancellationToken) ?? "error the container helper exited during the start";

    private static ContainerStartException Failure(string line) =>
        new(line.StartsWith("error ", StringComparison.Ordinal) ? line[6..] : $"unexpected reply from the container helper: \"{line}\"");
}
