using System.Diagnostics;
using ClusterKit.TestKit;

namespace ClusterKit.Bench.Registry;

/// <summary>Runs `skopeo copy` and times it; a failure stops the bench with skopeo's own message.</summary>
internal static class Skopeo
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(10);

    public static async Task<TimeSpan> CopyAsync(IReadOnlyList<string> options, string source, string destination, CancellationToken ct)
    {
        var began = Stopwatch.GetTimestamp();
        await HostProcess.RunCheckedAsync("skopeo", ["--insecure-policy", "copy", "--quiet", "--preserve-digests", .. options, source, destination], Patience, cancellationToken: ct);
        return Stopwatch.GetElapsedTime(began);
    }
}
