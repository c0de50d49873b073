using System.Diagnostics;
using System.Text;

namespace ClusterKit.Manager.Tests.Host.Membership;

/// <summary>The built `ck` run as an operator runs it (its own process), with stdout and stderr kept in order; killed on dispose.</summary>
public sealed class CkProcess : IDisposable
{
    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly StringBuilder _output = new();

    private CkProcess(IReadOnlyList<string> arguments)
    {
        var dll = Dll();

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Only the arguments say which manager and which config directory: nothing from the test runner's environment.
        start.Environment.Remove("CK_HOST");
        start.Environment.Remove("CK_MANAGER_SOCKET");
        Arguments = string.Join(' ', arguments);
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Arguments { get; }

    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    public static CkProcess Start(params string[] arguments) => new(arguments);

    /// <summary>ck from its own output folder (same configuration as the tests): it needs its own dependencies, not the tests' ASP.NET ones.</summary>
    public static string Dll()
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = framework.Parent?.Name ?? "Debug";
        var dll = Path.Combine(ClusterKit.TestKit.RepoPaths.Root, "Cli", "bin", configuration, framework.Name, "ck.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"ck.dll is not built for {configuration}/{framework.Name}; build Cli/ClusterKit.Cli.csproj", dll);
    }

    /// <summary>Runs ck to its end; the exit code and everything it printed.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(TimeSpan timeout, params string[] arguments)
    {
        using var ck = Start(arguments);
        var exit = await ck.WaitForExitAsync(timeout);
        return (exit, ck.Output);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"`ck {Arguments}` did not end within {timeout.TotalSeconds} s; it printed:\n{Output}");
        }

        // The asynchronous readers may still be delivering the last lines.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Waits until ck has printed <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > until || _process.HasExited)
            {
                throw new TimeoutException($"`ck {Arguments}` did not print '{text}' within {timeout.TotalSeconds} s; it printed:\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _output.Append(line).Append('\n');
        }
    }
}
