using System.Diagnostics;
using System.Globalization;

namespace ClusterKit.Worker.Runtime;

/// <summary>
/// The worker's side of the start handshake with "ck-init shim": the shim prints "pid N" once
/// the namespaces exist, waits for "go", then prints "started TIME", "failed MESSAGE" (the
/// command could not be executed; the container still exits normally with 126/127) or
/// "error MESSAGE" (the container could not be set up).
/// </summary>
internal sealed class ShimHandshake : IDisposable
{
    private readonly Process _process;

    private ShimHandshake(Process process)
    {
        _process = process;
    }

    public Process Process => _process;

    public static ShimHandshake Start(string helper, string planPath)
    {
        var info = new ProcessStartInfo(helper)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        info.ArgumentList.Add("shim");
        info.ArgumentList.Add(planPath);
        return new ShimHandshake(Process.Start(info) ?? throw new ContainerStartException($"could not start {helper}"));
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
            await _process.StandardInput.WriteAsync("go\n".AsMemory(), cancellationToken);
            await _process.StandardInput.FlushAsync(cancellationToken);
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
    public void Release()
    {
        _process.StandardInput.Close();
        _process.StandardOutput.Close();
    }

    /// <summary>Gives up: the shim sees EOF (or dies) and takes the init with it.</summary>
    public void Abort()
    {
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
        }
    }

    public void Dispose() => _process.Dispose();

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken) =>
        await _process.StandardOutput.ReadLineAsync(cancellationToken) ?? "error the container helper exited during the start";

    private static ContainerStartException Failure(string line) =>
        new(line.StartsWith("error ", StringComparison.Ordinal) ? line[6..] : $"unexpected reply from the container helper: \"{line}\"");
}
