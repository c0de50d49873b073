using System.Diagnostics;
using ClusterKit.Worker.Host;

namespace ClusterKit.Worker.Runtime;

/// <summary>A command running in a container through "ck-init exec"; its stdio are ours.</summary>
public sealed class ExecProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _planPath;
    private readonly ISystemCalls _systemCalls;

    private ExecProcess(Process process, string planPath, ISystemCalls systemCalls)
    {
        _process = process;
        _planPath = planPath;
        _systemCalls = systemCalls;
    }

    /// <summary>The helper's pid on the host (signals to it are forwarded to the command).</summary>
    public int HelperPid => _process.Id;

    public Stream StandardInput => _process.StandardInput.BaseStream;

    /// <summary>The command's stdout (with a tty: everything the pty printed).</summary>
    public Stream StandardOutput => _process.StandardOutput.BaseStream;

    public Stream StandardError => _process.StandardError.BaseStream;

    internal static ExecProcess Start(string helper, string planPath, ISystemCalls systemCalls)
    {
        var info = new ProcessStartInfo(helper)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(planPath);
        try
        {
            return new ExecProcess(Process.Start(info) ?? throw new InvalidOperationException($"could not start {helper}"), planPath, systemCalls);
        }
        catch
        {
            File.Delete(planPath);
            throw;
        }
    }

    /// <summary>The command's exit code (128+n after signal n; 126/127 when it could not be executed).</summary>
    public async Task<int> WaitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        File.Delete(_planPath);
        return _process.ExitCode;
    }

    /// <summary>Signals the helper, which forwards the signal to the command.</summary>
    public void Signal(int signal)
    {
        if (!_process.HasExited)
        {
            _systemCalls.Kill(_process.Id, signal);
        }
    }

    public void Dispose()
    {
        _process.Dispose();
        File.Delete(_planPath);
    }
}
