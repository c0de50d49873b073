using System.Diagnostics;
using System.Security.Cryptography;
using ClusterKit.Proto.Worker.V1;
using ClusterKit.TestKit;
using Grpc.Core;

namespace ClusterKit.Worker.Tests.EndToEnd;

/// <summary>
/// A ck-worker killed (SIGKILL) while a large layer is downloading: started again on the same data root, it keeps
/// nothing of the cut download (no partial file in tmp/, no blob, no layer), and the next pull fetches the whole layer
/// again and gives the complete image with the right digests. The registry is Debian's reference registry on the
/// worker namespace's loopback, slowed by a tbf qdisc on that loopback so that the kill lands mid-download.
/// </summary>
public sealed class PullKilledMidLayerTests
{
    private const int NoiseBytes = 24 << 20;

    /// <summary>The kill waits for this much of the layer to be on disk in tmp/ (a download under way, not a fixed sleep).</summary>
    private const long PartialBytes = 1 << 20;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_worker_killed_mid_layer_keeps_nothing_partial_and_pulls_the_whole_image_after_its_restart()
    {
        using var temp = new TempDirectory("ckt-pullkill");
        var noise = RandomNumberGenerator.GetBytes(NoiseBytes);
        var rootfs = temp.Combine("rootfs");
        Directory.CreateDirectory(rootfs);
        await File.WriteAllBytesAsync(Path.Combine(rootfs, "noise.bin"), noise);

        var worker = await WorkerProcess.StartAsync("cktpk", "10.219.0.0/24");
        try
        {
            await using var registry = await ReferenceRegistry.StartAsync(worker.Tag);
            var remote = $"{registry.Address}/ckt/pullkill:v1";
            var image = await worker.Images.ImportAsync(new ImportImageRequest { SourcePath = rootfs, Reference = "ckt/pullkill:v1" });
            await TransferAsync(worker.Images.Push(new PushImageRequest { Reference = "ckt/pullkill:v1", Target = remote }));
            await worker.Images.RemoveAsync(new RemoveImageRequest { Reference = "ckt/pullkill:v1", Force = true });
            Assert.DoesNotContain((await worker.Images.ListAsync(new ListImagesRequest())).Images, i => i.Id == image.Id);
            var store = Path.Combine(worker.DataRoot, "images");
            var tmp = Path.Combine(store, "tmp");

            string partial;
            long partialLength;
            Throttle(worker.Tag, on: true);
            try
            {
                var pull = TransferAsync(worker.Images.Pull(new PullImageRequest { Reference = remote }));
                (partial, partialLength) = await WaitForPartialDownloadAsync(tmp, pull);
                worker.KillProcess();
                Assert.True(worker.HasExited);
                await Assert.ThrowsAnyAsync<RpcException>(() => pull);
                Assert.True(File.Exists(partial), "the cut download left no file to prove the kill landed mid-download");
                Assert.InRange(partialLength, PartialBytes, NoiseBytes - 1);
            }
            finally
            {
                Throttle(worker.Tag, on: false);
            }

            var restarted = await worker.RestartAsync("10.219.0.0/24");
            worker.Dispose();
            worker = restarted;

            // The start (before the API answers) clears what the killed process left in tmp/; none of it became a blob or a layer.
            Assert.False(File.Exists(partial), $"the partial download {partial} survived the restart");
            Assert.Empty(Directory.GetFileSystemEntries(tmp));
            Assert.Empty(Directory.GetDirectories(Path.Combine(store, "layers")));
            Assert.DoesNotContain((await worker.Images.ListAsync(new ListImagesRequest())).Images, i => i.Id == image.Id);

            var summary = await TransferAsync(worker.Images.Pull(new PullImageRequest { Reference = remote }));
            Assert.Equal(image.Id, summary.ImageId);
            Assert.True(summary.Bytes >= NoiseBytes, $"the second pull fetched {summary.Bytes} bytes, less than the layer: it reused the cut download");
            var pulled = await worker.Images.InspectAsync(new ImageRef { Reference = remote });
            Assert.Equal(image.Id, pulled.Id);
            Assert.Equal(image.ManifestDigest, pulled.ManifestDigest);

            // Every blob hashes to its name, the layer holds the whole file, and nothing is left in tmp/.
            foreach (var blob in Directory.GetFiles(Path.Combine(store, "blobs", "sha256")))
            {
                Assert.Equal(Path.GetFileName(blob), Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(blob))));
            }

            var layer = Assert.Single(Directory.GetDirectories(Path.Combine(store, "layers")));
            Assert.Equal(SHA256.HashData(noise), SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(layer, "noise.bin"))));
            Assert.Empty(Directory.GetFileSystemEntries(tmp));
        }
        finally
        {
            worker.Dispose();
        }
    }

    /// <summary>Waits until a pull-* file in tmp/ holds at least <see cref="PartialBytes"/>; returns it and its length then.</summary>
    private static async Task<(string Path, long Length)> WaitForPartialDownloadAsync(string tmp, Task pull)
    {
        var until = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < until)
        {
            Assert.False(pull.IsCompleted, "the pull ended before the kill: " + pull.Exception?.GetBaseException().Message);
            var candidates = Directory.Exists(tmp) ? Directory.GetFiles(tmp, "pull-*") : [];
            foreach (var file in candidates)
            {
                var length = new FileInfo(file).Length;
                if (length >= PartialBytes)
                {
                    return (file, length);
                }
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"no download in {tmp} reached {PartialBytes} bytes within {Patience}");
    }

    private static async Task<ImageTransferSummary> TransferAsync(AsyncServerStreamingCall<ImageTransferEvent> call)
    {
        using (call)
        {
            ImageTransferSummary? summary = null;
            await foreach (var e in call.ResponseStream.ReadAllAsync())
            {
                summary = e.Summary ?? summary;
            }

            return summary ?? throw new InvalidOperationException("the transfer ended without a summary");
        }
    }

    /// <summary>Slows the namespace's loopback to ~2 MB/s (a tbf qdisc), so a 24 MB layer takes seconds; removed in every outcome by the caller.</summary>
    private static void Throttle(string networkNamespace, bool on)
    {
        string[] arguments = on
            ? ["netns", "exec", networkNamespace, "tc", "qdisc", "replace", "dev", "lo", "root", "tbf", "rate", "16mbit", "burst", "256kb", "latency", "5s"]
            : ["netns", "exec", networkNamespace, "tc", "qdisc", "del", "dev", "lo", "root"];
        using var process = Process.Start(new ProcessStartInfo("ip", arguments) { UseShellExecute = false, RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"ip {string.Join(' ', arguments)}: {error}");
    }
}
