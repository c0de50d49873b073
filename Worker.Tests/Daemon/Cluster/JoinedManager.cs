using System.Diagnostics;
using System.Globalization;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Net;
using ClusterKit.TestKit;
using Grpc.Net.Client;

namespace ClusterKit.Worker.Tests.Cluster;

/// <summary>
/// One real ck-manager started without --peers inside a worker's network namespace (so the worker
/// reaches it on that namespace's loopback), initialised through its local socket.
/// </summary>
internal sealed class JoinedManager : IAsyncDisposable
{
    public const string ApiAddress = "127.0.0.1:4243";

    private readonly Process _process;
    private readonly string _directory;
    private readonly Lock _gate = new();
    private readonly Queue<string> _output = new();

    private JoinedManager(Process process, string directory)
    {
        _process = process;
        _directory = directory;
        Local = UnixSocket.Channel(SocketPath);
    }

    public GrpcChannel Local { get; }

    public NodeService.NodeServiceClient Nodes => new(Local);

    private string SocketPath => Path.Combine(_directory, "manager.sock");

    /// <summary>A loopback address with a port free right now.</summary>
    public static string FreeLoopbackAddress() => "127.0.0.1:" + LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture);

    public static async Task<(JoinedManager Manager, InitResponse Init)> StartInitialisedAsync(string? networkNamespace, int heartbeatMs, string raftAddress = "127.0.0.1:4001", string apiAddress = ApiAddress)
    {
        var directory = Directory.CreateTempSubdirectory("ckt-mgr-").FullName;
        var start = new ProcessStartInfo(networkNamespace is null ? "dotnet" : "ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] prefix = networkNamespace is null ? [] : ["netns", "exec", networkNamespace, "dotnet"];
        foreach (var arg in (string[])[
            .. prefix, ManagerDll(), "--data-dir", Path.Combine(directory, "data"),
            "--raft-address", raftAddress, "--api-address", apiAddress, "--socket", Path.Combine(directory, "manager.sock"),
            "--heartbeat-period-ms", heartbeatMs.ToString(CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = start };
        var manager = new JoinedManager(process, directory);
        process.OutputDataReceived += (_, e) => manager.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => manager.Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (true)
            {
                try
                {
                    var init = await new ClusterService.ClusterServiceClient(manager.Local).InitAsync(new InitRequest(), deadline: DateTime.UtcNow.AddSeconds(60));
                    return (manager, init);
                }
                catch (Grpc.Core.RpcException) when (DateTime.UtcNow < until && !process.HasExited)
                {
                    await Task.Delay(100);
                }
            }
        }
        catch
        {
            await manager.DisposeAsync();
            throw;
        }
    }

    public string RecentOutput()
    {
        lock (_gate)
        {
            return string.Join('\n', _output);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Local.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static string ManagerDll()
    {
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var path = Path.Combine(RepoPaths.Root, "Manager", "Host", "bin", configuration, "net10.0", "ck-manager.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("ck-manager.dll is not built at " + path, path);
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _output.Enqueue(line);
            while (_output.Count > 200)
            {
                _output.Dequeue();
            }
        }
    }
}
