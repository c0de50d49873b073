using System.Diagnostics;
using System.Net.Sockets;
using ClusterKit.Proto.Worker.V1;
using ClusterKit.TestKit;
using Grpc.Net.Client;

namespace ClusterKit.Bench.RuntimeStart;

/// <summary>
/// A ck-worker of its own for the benchmark: a private data root, socket, cgroup parent,
/// bridge and nftables table, in a network namespace the benchmark creates and removes.
/// </summary>
internal sealed class WorkerUnderTest : IDisposable
{
    private readonly Process _process;
    private readonly GrpcChannel _channel;

    private WorkerUnderTest(string tag, string root, Process process, GrpcChannel channel)
    {
        Tag = tag;
        Root = root;
        _process = process;
        _channel = channel;
        Containers = new Containers.ContainersClient(channel);
        Images = new Images.ImagesClient(channel);
    }

    public string Tag { get; }

    public string Root { get; }

    public Containers.ContainersClient Containers { get; }

    public Images.ImagesClient Images { get; }

    public static async Task<WorkerUnderTest> StartAsync(string configuration)
    {
        var tag = "ckb" + Convert.ToHexString(Guid.NewGuid().ToByteArray())[..8].ToLowerInvariant();
        var root = Directory.CreateTempSubdirectory(tag + "-").FullName;
        Run("ip", "netns", "add", tag);
        Run("ip", "-n", tag, "link", "set", "lo", "up");
        var daemon = Path.Combine(RepoPaths.Root, "Worker", "Daemon", "bin", configuration, "net10.0", "ck-worker");
        var socket = Path.Combine(root, "worker.sock");
        var info = new ProcessStartInfo("nsenter") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            $"--net=/run/netns/{tag}", daemon, "--data-root", Path.Combine(root, "data"), "--socket", socket,
            "--cgroup-parent", tag, "--bridge-name", tag, "--bridge-subnet", "10.213.0.0/24", "--nft-table", tag,
        })
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine("ck-worker: " + e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var channel = GrpcChannel.ForAddress("http://worker", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectCallback = async (_, ct) =>
                {
                    var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), ct);
                    return new NetworkStream(s, ownsSocket: true);
                },
            },
        });
        var worker = new WorkerUnderTest(tag, root, process, channel);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await worker.Containers.ListAsync(new ListContainersRequest());
                return worker;
            }
            catch (Grpc.Core.RpcException) when (attempt < 150 && !process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    public void Dispose()
    {
        _channel.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
        Run("ip", "netns", "delete", Tag);
        foreach (var hierarchy in Directory.GetDirectories("/sys/fs/cgroup"))
        {
            var mine = Path.Combine(hierarchy, Tag);
            if (Directory.Exists(mine))
            {
                foreach (var child in Directory.GetDirectories(mine))
                {
                    TryDelete(child);
                }

                TryDelete(mine);
            }
        }

        Run("sh", "-c", $"grep -o ' {Root}[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l");
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory);
        }
        catch (IOException)
        {
        }
    }

    private static void Run(string file, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { UseShellExecute = false, RedirectStandardError = true })!;
        process.WaitForExit();
    }
}
