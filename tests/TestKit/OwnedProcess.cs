using System.Diagnostics;
using System.Text;

namespace ClusterKit.TestKit;

/// <summary>
/// A server process a test started (a reference registry, an etcd member): its stdout and stderr kept for failure
/// messages, and ended by its own PID, never by name, when stopped or disposed.
/// </summary>
public sealed class OwnedProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly Action<string>? _onLine;

    private OwnedProcess(Process process, Action<string>? onLine)
    {
        _process = process;
        _onLine = onLine;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts <paramref name="info"/> with its output redirected; <paramref name="onLine"/> sees every line as it comes.</summary>
    public static OwnedProcess Start(ProcessStartInfo info, Action<string>? onLine = null)
    {
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start");
        var owned = new OwnedProcess(process, onLine);
        process.OutputDataReceived += (_, e) => owned.Append(e.Data);
        process.ErrorDataReceived += (_, e) => owned.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return owned;
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken = default) => _process.WaitForExitAsync(cancellationToken);

    public string Log()
    {
        lock (_log)
        {
            return _log.ToString();
        }
    }

    /// <summary>Kills the process (this PID only) and waits for it.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }

        _onLine?.Invoke(line);
    }
}
