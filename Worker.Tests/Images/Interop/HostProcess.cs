using System.Diagnostics;

namespace ClusterKit.Worker.Images.Tests.Interop;

/// <summary>What a finished host process said.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs host tools (bash scripts, the docker CLI) for the interop tests, with a deadline.</summary>
internal static class HostProcess
{
    public static async Task<ProcessResult> RunAsync(string file, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start '{file}'");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{file} {string.Join(' ', info.ArgumentList)}' did not finish within {timeout.TotalSeconds} s");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs the process and returns its stdout; a non-zero exit throws with the command and its stderr.</summary>
    public static async Task<string> RunCheckedAsync(string file, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var list = arguments.ToList();
        var result = await RunAsync(file, list, timeout, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{file} {string.Join(' ', list)}' exited with {result.ExitCode}: {result.Stderr.Trim()} {result.Stdout.Trim()}");
        }

        return result.Stdout;
    }
}
