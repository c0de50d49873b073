using System.Diagnostics;

namespace ClusterKit.TestKit;

/// <summary>A certificate and key (PEM files) the reference registry serves HTTPS with.</summary>
public sealed record ReferenceRegistryTls(string CertificatePath, string KeyPath);

/// <summary>
/// Debian's docker-registry (CNCF distribution 2.8, installed by scripts/setup.sh) serving plain HTTP (or HTTPS) on
/// 127.0.0.1 and a free port, with its filesystem root in a /tmp/ckt-registry-* directory; on this host's
/// loopback, or on the loopback of a test's network namespace (where a test worker runs). Only the process
/// this class started is killed (by its PID: nsenter execs the registry), and the directory goes, in every outcome.
/// </summary>
public sealed class ReferenceRegistry : IAsyncDisposable
{
    private const string Binary = "/usr/bin/docker-registry";
    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _temp = new("ckt-registry");
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private OwnedProcess? _process;

    private ReferenceRegistry(int port)
    {
        Port = port;
    }

    public int Port { get; }

    /// <summary>127.0.0.1:port, the domain of references to this registry.</summary>
    public string Address => $"127.0.0.1:{Port}";

    public int ProcessId => _process?.Id ?? 0;

    public string Combine(params string[] parts) => _temp.Combine(parts);

    /// <summary>Starts the registry and returns once it listens.</summary>
    /// <param name="networkNamespace">The name of a network namespace under /run/netns to serve in, or null for this host.</param>
    /// <param name="tls">Serve HTTPS with this certificate instead of plain HTTP.</param>
    public static async Task<ReferenceRegistry> StartAsync(string? networkNamespace = null, ReferenceRegistryTls? tls = null)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: run scripts/setup.sh (package docker-registry)");
        }

        // A port free on this host's loopback; a namespace's own loopback has nothing listening but what its test started.
        var registry = new ReferenceRegistry(LoopbackPorts.Free());
        try
        {
            await registry.StartProcessAsync(networkNamespace, tls);
            return registry;
        }
        catch
        {
            await registry.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            await process.DisposeAsync();
            _process = null;
        }

        _temp.Dispose();
    }

    /// <summary>Stops the registry (by its PID) and waits for it: the same address then refuses connections.</summary>
    public async Task StopAsync()
    {
        if (_process is { } process)
        {
            await process.StopAsync();
        }
    }

    public string Log() => _process?.Log() ?? string.Empty;

    private async Task StartProcessAsync(string? networkNamespace, ReferenceRegistryTls? tls)
    {
        var config = _temp.Combine("config.yml");
        var https = tls is null ? string.Empty : $"""

              tls:
                certificate: {tls.CertificatePath}
                key: {tls.KeyPath}
            """;
        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: info
            storage:
              filesystem:
                rootdirectory: {_temp.Combine("data")}
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:{Port}{https}
            """);
        var info = new ProcessStartInfo(networkNamespace is null ? Binary : "nsenter");
        if (networkNamespace is not null)
        {
            info.ArgumentList.Add($"--net=/run/netns/{networkNamespace}");
            info.ArgumentList.Add(Binary);
        }

        info.ArgumentList.Add("serve");
        info.ArgumentList.Add(config);
        _process = OwnedProcess.Start(info, OnLine);

        // Its "listening on" line comes once the socket is bound, also inside a namespace this process cannot reach.
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(_listening.Task, exited, Task.Delay(StartPatience));
        if (first != _listening.Task)
        {
            throw new InvalidOperationException(first == exited
                ? $"docker-registry exited with {_process.ExitCode}: {Log()}"
                : $"docker-registry did not listen on {Address} within {StartPatience.TotalSeconds:0} s: {Log()}");
        }
    }

    private void OnLine(string line)
    {
        if (line.Contains("listening on ", StringComparison.Ordinal))
        {
            _listening.TrySetResult();
        }
    }
}
