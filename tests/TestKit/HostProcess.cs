using System.Diagnostics;

namespace ClusterKit.TestKit;

/// <summary>What a finished host process said.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs host tools (bash scripts, the docker CLI) for the interop tests, with a deadline.</summary>
public static class HostProcess
{
    /// <summary>Runs the process to its end; <paramref name="input"/> (if any) is written to its stdin, which is then closed.</summary>
    public static async Task<ProcessResult> RunAsync(string file, IEnumerable<string> arguments, TimeSpan timeout, string? input = null, CancellationToken cancellationToken = default)
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
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input.AsMemory(), cancellationToken);
        }

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
    public static async Task<string> RunCheckedAsync(string file, IEnumerable<string> arguments, TimeSpan timeout, string? input = null, CancellationToken cancellationToken = default)
    {
        var list = arguments.ToList();
        var result = await RunAsync(file, list, timeout, input, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{file} {string.Join(' ', list)}' exited with {result.ExitCode}: {result.Stderr.Trim()} {result.Stdout.Trim()}");
        }

        return result.Stdout;
    }
}
