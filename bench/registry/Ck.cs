using ClusterKit.TestKit;

namespace ClusterKit.Bench.Registry;

/// <summary>The `ck` from <c>out/</c>, run in a network namespace when given one (its TCP calls reach that namespace's loopback).</summary>
internal sealed class Ck(string binaries, string? networkNamespace = null)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(5);

    private string Program => Path.Combine(binaries, "ck");

    public Task<string> RunAsync(CancellationToken ct, params string[] arguments) => networkNamespace is null
        ? HostProcess.RunCheckedAsync(Program, arguments, Patience, cancellationToken: ct)
        : HostProcess.RunCheckedAsync("ip", ["netns", "exec", networkNamespace, Program, .. arguments], Patience, cancellationToken: ct);
}

/// <summary>
/// What skopeo needs to reach a new cluster's registry: a certificate directory trusting the cluster's root and a
/// push credential issued by `ck registry credential create`, both from `ck cluster init` on one manager.
/// </summary>
internal sealed record ClusterAccess(string Trust, string Credentials)
{
    public static async Task<ClusterAccess> InitAsync(Ck ck, string managerSocket, string directory, CancellationToken ct)
    {
        var config = Path.Combine(directory, "ck-config");
        var trust = Path.Combine(directory, "trust");
        Directory.CreateDirectory(trust);
        await ck.RunAsync(ct, "cluster", "init", "--manager-socket", managerSocket, "--config-dir", config);
        File.Copy(Path.Combine(config, "trust.pem"), Path.Combine(trust, "ca.crt"));
        var created = await ck.RunAsync(ct, "registry", "credential", "create", "bench", "--push", "--manager-socket", managerSocket);
        return new ClusterAccess(trust, "bench:" + SecretIn(created));
    }

    /// <summary>The secret `ck registry credential create` prints, alone and indented, after "shown this once:".</summary>
    internal static string SecretIn(string output)
    {
        var lines = output.Split('\n');
        var at = Array.FindIndex(lines, l => l.Contains("shown this once", StringComparison.Ordinal));
        var secret = lines.Skip(at + 1).Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);
        return at >= 0 && secret is not null ? secret : throw new InvalidOperationException($"no secret in ck's output: {output}");
    }
}
