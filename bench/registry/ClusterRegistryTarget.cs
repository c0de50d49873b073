using System.Diagnostics;
using ClusterKit.TestKit;

namespace ClusterKit.Bench.Registry;

/// <summary>
/// The cluster registry: a new one-manager cluster for each round (ck-manager and ck from <c>out/</c>, built by
/// scripts/build.sh), a push credential issued by `ck registry credential create`, skopeo trusting the cluster's
/// root. The manager is ended by the PID this class recorded, and its directory removed, in every outcome.
/// </summary>
internal sealed class ClusterRegistryTarget(string scratch, string binaries) : ITransferTarget
{
    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(60);
    private Process? _manager;
    private string _directory = string.Empty;
    private string _api = string.Empty;
    private string _credentials = string.Empty;

    public string Name => "cluster_registry";

    private string Trust => Path.Combine(_directory, "trust");

    private string Reference(string repository) => $"docker://{_api}/{repository}:{BenchImage.Tag}";

    public async Task StartRoundAsync(int round, CancellationToken ct)
    {
        _directory = Path.Combine(scratch, $"cluster-{round}");
        var config = Path.Combine(_directory, "ck-config");
        var socket = Path.Combine(_directory, "manager.sock");
        Directory.CreateDirectory(Trust);
        _api = $"127.0.0.1:{LoopbackPorts.Free()}";
        var info = new ProcessStartInfo(Path.Combine(binaries, "ck-manager")) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["--data-dir", Path.Combine(_directory, "data"), "--raft-address", $"127.0.0.1:{LoopbackPorts.Free()}", "--api-address", _api, "--socket", socket])
        {
            info.ArgumentList.Add(argument);
        }

        _manager = Process.Start(info) ?? throw new InvalidOperationException("ck-manager did not start");
        _manager.OutputDataReceived += (_, _) => { };
        _manager.ErrorDataReceived += (_, _) => { };
        _manager.BeginOutputReadLine();
        _manager.BeginErrorReadLine();
        var began = Stopwatch.GetTimestamp();
        while (!File.Exists(socket))
        {
            if (_manager.HasExited || Stopwatch.GetElapsedTime(began) > StartPatience)
            {
                throw new InvalidOperationException($"ck-manager did not open {socket} (exited: {_manager.HasExited})");
            }

            await Task.Delay(100, ct);
        }

        await CkAsync(ct, "cluster", "init", "--manager-socket", socket, "--config-dir", config);
        File.Copy(Path.Combine(config, "trust.pem"), Path.Combine(Trust, "ca.crt"));
        var created = await CkAsync(ct, "registry", "credential", "create", "bench", "--push", "--manager-socket", socket);
        _credentials = "bench:" + SecretIn(created);
    }

    public Task<TimeSpan> PushAsync(BenchImage image, string repository, CancellationToken ct) =>
        Skopeo.CopyAsync(["--dest-cert-dir", Trust, "--dest-creds", _credentials], $"oci:{image.Directory}:{BenchImage.Tag}", Reference(repository), ct);

    public Task<TimeSpan> PullAsync(string repository, string destination, CancellationToken ct) =>
        Skopeo.CopyAsync(["--src-cert-dir", Trust, "--src-creds", _credentials], Reference(repository), $"oci:{destination}:{BenchImage.Tag}", ct);

    public async Task EndRoundAsync()
    {
        if (_manager is { } manager)
        {
            if (!manager.HasExited)
            {
                manager.Kill();
                await manager.WaitForExitAsync();
            }

            manager.Dispose();
            _manager = null;
        }

        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    public ValueTask DisposeAsync() => new(EndRoundAsync());

    /// <summary>The secret `ck registry credential create` prints, alone and indented, after "shown this once:".</summary>
    internal static string SecretIn(string output)
    {
        var lines = output.Split('\n');
        var at = Array.FindIndex(lines, l => l.Contains("shown this once", StringComparison.Ordinal));
        var secret = lines.Skip(at + 1).Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);
        return at >= 0 && secret is not null ? secret : throw new InvalidOperationException($"no secret in ck's output: {output}");
    }

    private Task<string> CkAsync(CancellationToken ct, params string[] arguments) =>
        HostProcess.RunCheckedAsync(Path.Combine(binaries, "ck"), arguments, StartPatience, cancellationToken: ct);
}
