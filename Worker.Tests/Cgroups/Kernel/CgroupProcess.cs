using System.Diagnostics;
using System.Text;

namespace ClusterKit.Worker.Cgroups.Tests.Kernel;

/// <summary>A shell that joins a cgroup first (echo $$ into every cgroup.procs), then runs a script; killed on dispose.</summary>
internal sealed class CgroupProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private CgroupProcess(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static CgroupProcess Start(ICgroupHandle cgroup, string script)
    {
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"for f in \"$@\"; do echo $$ > \"$f\" || exit 97; done; {script}");
        info.ArgumentList.Add("sh");
        foreach (var file in cgroup.ProcsFiles)
        {
            info.ArgumentList.Add(file);
        }

        var process = Process.Start(info)!;
        var started = new CgroupProcess(process);
        process.ErrorDataReceived += (_, e) =>
        {
            lock (started._stderr)
            {
                started._stderr.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return started;
    }

    /// <summary>The exit code (128 + signal when killed), or null if it still runs after <paramref name="timeout"/>.</summary>
    public int? WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout) ? _process.ExitCode : null;

    /// <summary>stderr arrives asynchronously (and children that inherit the pipe keep it open), so poll for it.</summary>
    public bool WaitForStandardError(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!StandardError.Contains(text, StringComparison.OrdinalIgnoreCase))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            Thread.Sleep(20);
        }

        return true;
    }

    /// <summary>Waits until the shell is listed in the cgroup, so that what follows measures the script.</summary>
    public void WaitUntilIn(ICgroupHandle cgroup)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!cgroup.Processes().Contains(Pid))
        {
            Assert.True(DateTime.UtcNow < deadline, $"pid {Pid} never joined cgroup {cgroup.Name}; stderr: {StandardError}");
            Assert.False(_process.HasExited, $"pid {Pid} exited with {(_process.HasExited ? _process.ExitCode : 0)} before joining {cgroup.Name}; stderr: {StandardError}");
            Thread.Sleep(10);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }
}
