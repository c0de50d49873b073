using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ClusterKit.TestKit;

namespace ClusterKit.Worker.Images.Tests.Distribution;

/// <summary>
/// Debian's docker-registry (CNCF distribution 2.8, installed by scripts/setup.sh) serving plain HTTP
/// on 127.0.0.1 and a free port, with its filesystem root in a /tmp/ckt-registry-* directory. Only the
/// process this fixture started is killed (by its PID), and the directory goes, in every outcome.
/// </summary>
public sealed class ReferenceRegistryFixture : IAsyncLifetime, IDisposable
{
    private const string Binary = "/usr/bin/docker-registry";
    private readonly TempDirectory _temp = new("ckt-registry");
    private readonly StringBuilder _log = new();
    private Process? _process;

    public int Port { get; private set; }

    /// <summary>127.0.0.1:port, the domain of references to this registry.</summary>
    public string Address => $"127.0.0.1:{Port}";

    public int ProcessId => _process?.Id ?? 0;

    public string Combine(params string[] parts) => _temp.Combine(parts);

    public async Task InitializeAsync()
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: run scripts/setup.sh (package docker-registry)");
        }

        Port = FreePort();
        var config = _temp.Combine("config.yml");
        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {_temp.Combine("data")}
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:{Port}
            """);
        var info = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("serve");
        info.ArgumentList.Add(config);
        _process = Process.Start(info) ?? throw new InvalidOperationException("docker-registry did not start");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        try
        {
            await WaitUntilServingAsync();
        }
        catch
        {
            await DisposeAsync();
            Dispose();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }

            process.Dispose();
            _process = null;
        }
    }

    /// <summary>xunit calls this after <see cref="DisposeAsync"/> (the registry is stopped by then).</summary>
    public void Dispose() => _temp.Dispose();

    public string Log()
    {
        lock (_log)
        {
            return _log.ToString();
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    private async Task WaitUntilServingAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"docker-registry exited with {_process.ExitCode}: {Log()}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri($"http://{Address}/v2/"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"docker-registry did not answer on {Address} within 20 s: {Log()}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
