using System.Text.Json;

namespace ClusterKit.TestKit;

/// <summary>Debian's etcdctl (package etcd-client) with the v3 API, against any endpoint: a real etcd or a ClusterKit manager.</summary>
public static class Etcdctl
{
    private const string Binary = "/usr/bin/etcdctl";
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Runs <c>etcdctl --endpoints=ENDPOINTS ARGS</c> with ETCDCTL_API=3 to its end.</summary>
    /// <param name="endpoints">host:port[,host:port...], as etcdctl's --endpoints.</param>
    /// <param name="input">Written to etcdctl's stdin (e.g. the compares and ops of <c>etcdctl txn</c>).</param>
    public static Task<ProcessResult> RunAsync(string endpoints, IEnumerable<string> arguments, string? input = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoints);
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: run scripts/setup.sh (package etcd-client)");
        }

        // env sets the API version for etcdctl alone and execs it, so the PID HostProcess waits for is etcdctl's.
        return HostProcess.RunAsync("/usr/bin/env", ["ETCDCTL_API=3", Binary, $"--endpoints={endpoints}", .. arguments], timeout ?? DefaultTimeout, input, cancellationToken);
    }

    /// <summary>Runs etcdctl with <c>-w json</c> and returns what it printed, parsed; a non-zero exit throws with its stderr.</summary>
    public static async Task<JsonElement> RunJsonAsync(string endpoints, IEnumerable<string> arguments, string? input = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var list = arguments.ToList();
        var result = await RunAsync(endpoints, [.. list, "-w", "json"], input, timeout, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"etcdctl {string.Join(' ', list)} exited with {result.ExitCode}: {result.Stderr.Trim()}");
        }

        using var document = JsonDocument.Parse(result.Stdout);
        return document.RootElement.Clone();
    }
}
