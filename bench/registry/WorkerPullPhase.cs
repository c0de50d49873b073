using System.Diagnostics;
using ClusterKit.Proto.Worker.V1;
using ClusterKit.Shared.Net;
using ClusterKit.TestKit;

namespace ClusterKit.Bench.Registry;

/// <summary>What the worker-pull phase measured.</summary>
/// <param name="Summary">ck image pull's summary line (blobs transferred, bytes, already there): that every byte moved.</param>
internal sealed record WorkerPullResult(int Managers, TimeSpan Push, TimeSpan Replication, TimeSpan Join, TimeSpan WorkerPull, string Summary, TimeSpan SkopeoPull);

/// <summary>
/// The time for a new worker to pull an already-replicated image: three ck-managers on the loopback of a network
/// namespace the phase makes (the one <see cref="WorkerProcess"/> makes for out/ck-worker, with its own bridge, cgroup
/// parent and nftables table), the image pushed with skopeo to the first, a wait until every manager holds every blob,
/// then the worker joins with the worker token and `ck image pull` is timed until the image is in its store, layers
/// unpacked (the managers have served the warm-up image before; the worker is new). The anchor, in the same namespace: skopeo copying the image from the first manager into a plain OCI
/// directory. Managers end by their PIDs, then the worker, its namespace and every directory go, in every outcome.
/// </summary>
internal sealed class WorkerPullPhase(string scratch, string binaries)
{
    private const int ManagerCount = 3;
    private const string Repository = "bench/worker-pull";
    private const string WarmUpRepository = "bench/warm-up";
    private static readonly TimeSpan ReplicationLimit = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan ConnectLimit = TimeSpan.FromSeconds(60);

    public async Task<WorkerPullResult> RunAsync(BenchImage image, BenchImage warmUp, CancellationToken ct)
    {
        var directory = Path.Combine(scratch, "worker-pull");
        using var worker = await WorkerProcess.StartAsync("ckb", "10.213.0.0/24", Path.Combine(binaries, "ck-worker"));
        try
        {
            await using var cluster = await LoopbackManagers.FormAsync(binaries, directory, worker.Tag, ManagerCount, ct);
            var push = Push(cluster, worker.Tag, ct);
            var pull = Pull(cluster, worker.Tag, ct);

            // Managers that have served before, as in a cluster that runs (the worker alone is new): the warm-up image
            // through both of their paths.
            await push(warmUp, WarmUpRepository);
            await pull(WarmUpRepository, Path.Combine(directory, "warm-up-pulled"));
            var pushed = await push(image, Repository);
            var digests = Directory.GetFiles(Path.Combine(image.Directory, "blobs", "sha256")).Select(f => "sha256:" + Path.GetFileName(f)).ToArray();
            var replication = await cluster.WaitForReplicasAsync(digests, ReplicationLimit, ct);

            var joinBegan = Stopwatch.GetTimestamp();
            var token = await cluster.JoinTokenAsync("worker", ct);
            await cluster.Ck.RunAsync(ct, "cluster", "join", "--token", token, cluster.First.Api, "--worker-socket", worker.Socket);
            await WaitForSessionAsync(worker.Socket, ct);
            var join = Stopwatch.GetElapsedTime(joinBegan);

            // The worker's own path: a name without a registry is the cluster registry's, reached from the worker's session.
            var pullBegan = Stopwatch.GetTimestamp();
            var pullOutput = await cluster.Ck.RunAsync(ct, "image", "pull", $"{Repository}:{BenchImage.Tag}", "--worker-socket", worker.Socket);
            var workerPull = Stopwatch.GetElapsedTime(pullBegan);
            var summary = pullOutput.Split('\n').LastOrDefault(l => l.Contains(": pulled ", StringComparison.Ordinal))?.Trim()
                ?? throw new InvalidOperationException($"no summary line in ck image pull's output: {pullOutput}");

            var skopeoPull = await pull(Repository, Path.Combine(directory, "skopeo-pulled"));
            return new WorkerPullResult(ManagerCount, pushed, replication, join, workerPull, summary, skopeoPull);
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>skopeo copying an image's layout to the first manager, inside the namespace.</summary>
    private static Func<BenchImage, string, Task<TimeSpan>> Push(LoopbackManagers cluster, string networkNamespace, CancellationToken ct) =>
        (image, repository) => Skopeo.CopyAsync(
            ["--dest-cert-dir", cluster.Access.Trust, "--dest-creds", cluster.Access.Credentials],
            $"oci:{image.Directory}:{BenchImage.Tag}", $"docker://{cluster.First.Api}/{repository}:{BenchImage.Tag}", ct, networkNamespace);

    /// <summary>skopeo copying an image from the first manager into a plain OCI directory, inside the namespace.</summary>
    private static Func<string, string, Task<TimeSpan>> Pull(LoopbackManagers cluster, string networkNamespace, CancellationToken ct) =>
        (repository, destination) => Skopeo.CopyAsync(
            ["--src-cert-dir", cluster.Access.Trust, "--src-creds", cluster.Access.Credentials],
            $"docker://{cluster.First.Api}/{repository}:{BenchImage.Tag}", $"oci:{destination}:{BenchImage.Tag}", ct, networkNamespace);

    /// <summary>Waits until the worker reports a live session with a manager (it then knows where the cluster registry is).</summary>
    private static async Task WaitForSessionAsync(string socket, CancellationToken ct)
    {
        using var channel = UnixSocket.Channel(socket, "http://worker");
        var cluster = new Cluster.ClusterClient(channel);
        var began = Stopwatch.GetTimestamp();
        while (true)
        {
            var status = await cluster.StatusAsync(new ClusterStatusRequest(), cancellationToken: ct);
            if (status.Joined && status.Connected)
            {
                return;
            }

            if (Stopwatch.GetElapsedTime(began) > ConnectLimit)
            {
                throw new TimeoutException($"the worker joined but had no session with a manager within {ConnectLimit.TotalSeconds} s: {status}");
            }

            await Task.Delay(100, ct);
        }
    }
}
