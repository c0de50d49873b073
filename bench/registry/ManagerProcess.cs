using System.Diagnostics;
using ClusterKit.TestKit;

namespace ClusterKit.Bench.Registry;

/// <summary>
/// One ck-manager from <c>out/</c> with its own directory (data, local socket), on loopback ports free now; in a
/// network namespace when given one (`ip netns exec` execs it, so the recorded PID is the manager's). Ended by that
/// PID and its directory removed on dispose.
/// </summary>
internal sealed class ManagerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(60);
    private readonly Process _process;

    private ManagerProcess(Process process, string directory, string api)
    {
        _process = process;
        Directory = directory;
        Api = api;
    }

    public string Directory { get; }

    /// <summary>The API address (control API and registry), 127.0.0.1:PORT.</summary>
    public string Api { get; }

    public int ProcessId => _process.Id;

    public string Socket => Path.Combine(Directory, "manager.sock");

    /// <summary>Where this manager keeps the cluster registry's committed blobs (Manager/Registry's FileBlobStore layout).</summary>
    public string BlobPath(string digest)
    {
        var hex = digest["sha256:".Length..];
        return Path.Combine(Directory, "data", "registry", "blobs", "sha256", hex[..2], hex);
    }

    public static async Task<ManagerProcess> StartAsync(string binaries, string directory, string? networkNamespace, CancellationToken ct)
    {
        System.IO.Directory.CreateDirectory(directory);
        var api = $"127.0.0.1:{LoopbackPorts.Free()}";
        var program = Path.Combine(binaries, "ck-manager");
        var info = new ProcessStartInfo(networkNamespace is null ? program : "ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        string[] prefix = networkNamespace is null ? [] : ["netns", "exec", networkNamespace, program];
        foreach (var argument in (string[])[.. prefix, "--data-dir", Path.Combine(directory, "data"), "--raft-address", $"127.0.0.1:{LoopbackPorts.Free()}", "--api-address", api, "--socket", Path.Combine(directory, "manager.sock")])
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("ck-manager did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var manager = new ManagerProcess(process, directory, api);
        try
        {
            var began = Stopwatch.GetTimestamp();
            while (!File.Exists(manager.Socket))
            {
                if (process.HasExited || Stopwatch.GetElapsedTime(began) > StartPatience)
                {
                    throw new InvalidOperationException($"ck-manager did not open {manager.Socket} within {StartPatience.TotalSeconds} s (exited: {process.HasExited})");
                }

                await Task.Delay(100, ct);
            }

            return manager;
        }
        catch
        {
            await manager.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
