using System.Diagnostics;
using ClusterKit.TestKit;

namespace ClusterKit.Bench.Registry;

/// <summary>Runs `skopeo copy` (in a network namespace when given one) and times it; a failure stops the bench with skopeo's own message.</summary>
internal static class Skopeo
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(10);

    public static async Task<TimeSpan> CopyAsync(IReadOnlyList<string> options, string source, string destination, CancellationToken ct, string? networkNamespace = null)
    {
        string[] copy = ["--insecure-policy", "copy", "--quiet", "--preserve-digests", .. options, source, destination];
        var began = Stopwatch.GetTimestamp();
        await (networkNamespace is null
            ? HostProcess.RunCheckedAsync("skopeo", copy, Patience, cancellationToken: ct)
            : HostProcess.RunCheckedAsync("ip", ["netns", "exec", networkNamespace, "skopeo", .. copy], Patience, cancellationToken: ct));
        return Stopwatch.GetElapsedTime(began);
    }
}
