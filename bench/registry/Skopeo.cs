using System.Diagnostics;

namespace ClusterKit.Bench.Registry;

/// <summary>Runs `skopeo copy` and times it; a failure stops the bench with skopeo's own message.</summary>
internal static class Skopeo
{
    public static async Task<TimeSpan> CopyAsync(IReadOnlyList<string> options, string source, string destination, CancellationToken ct)
    {
        var info = new ProcessStartInfo("skopeo") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["--insecure-policy", "copy", "--quiet", "--preserve-digests", .. options, source, destination])
        {
            info.ArgumentList.Add(argument);
        }

        var began = Stopwatch.GetTimestamp();
        using var process = Process.Start(info) ?? throw new InvalidOperationException("skopeo did not start");
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var errors = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        var elapsed = Stopwatch.GetElapsedTime(began);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"skopeo copy {source} {destination} failed ({process.ExitCode}): {await errors}{await output}");
        }

        return elapsed;
    }
}
