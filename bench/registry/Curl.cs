using System.Diagnostics;
using System.Text.Json;
using ClusterKit.TestKit;

namespace ClusterKit.Bench.Registry;

/// <summary>
/// One blob fetched with curl over HTTP/1.1 (to /dev/null), timed: the registry's own rate for one stream, with a
/// client that costs far less than skopeo (no hashing, no file written), so that the server is what is measured.
/// </summary>
internal static class Curl
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(5);

    public static async Task<TimeSpan> GetBlobAsync(string registry, string repository, string digest, string trustDirectory, string? bearer, CancellationToken ct)
    {
        List<string> arguments = ["--fail", "--silent", "--show-error", "--http1.1", "--cacert", Path.Combine(trustDirectory, "ca.crt"), "--output", "/dev/null"];
        if (bearer is not null)
        {
            arguments.AddRange(["--header", $"Authorization: Bearer {bearer}"]);
        }

        arguments.Add($"https://{registry}/v2/{repository}/blobs/{digest}");
        var began = Stopwatch.GetTimestamp();
        await HostProcess.RunCheckedAsync("curl", arguments, Patience, cancellationToken: ct);
        return Stopwatch.GetElapsedTime(began);
    }

    /// <summary>A pull token for <paramref name="repository"/> from the cluster registry's token endpoint (the login skopeo does).</summary>
    public static async Task<string> PullTokenAsync(string registry, string credentials, string repository, string trustDirectory, CancellationToken ct)
    {
        var answer = await HostProcess.RunCheckedAsync("curl",
            ["--fail", "--silent", "--show-error", "--cacert", Path.Combine(trustDirectory, "ca.crt"), "--user", credentials,
             $"https://{registry}/v2/token?service=clusterkit&scope=repository:{repository}:pull"], Patience, cancellationToken: ct);
        using var document = JsonDocument.Parse(answer);
        return document.RootElement.GetProperty("token").GetString() ?? throw new InvalidOperationException($"no token in the answer: {answer}");
    }
}
