using System.Collections.Concurrent;
using System.Text.Json;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Registry.Storage;
using ClusterKit.Manager.Tests.Host.Membership;
using ClusterKit.Manager.Tests.Store.Raft;
using ClusterKit.TestKit;
using ClusterKit.Worker.Host;
using ClusterKit.Worker.Images;
using ClusterKit.Worker.Images.Distribution;
using ClusterKit.Worker.Images.Store;

namespace ClusterKit.Manager.Tests.Host.Registry;

/// <summary>
/// The worker's pull and push against three real ck-manager processes, the first in the cluster's order killed with
/// SIGKILL in the middle of a ~24 MiB layer: the transfer goes on at the next manager and ends with the whole image.
/// The worker's traffic is slowed on its own side (<see cref="ThrottlingHandler"/>) so that the kill lands mid-layer;
/// the tests wait until bytes of that layer have moved, never for a fixed time.
/// </summary>
[Collection(RaftClusterCollection.Name)]
public sealed class WorkerRegistryFailoverTests
{
    private const string Local = "ckt-failover:v1";
    private const string Repository = "team/failover";
    private const string Target = Repository + ":v1";
    private const int BigLayerBytes = 24 << 20;

    /// <summary>Moved to or from the first manager before it is killed: more than the config and the small layer together, far less than the big layer.</summary>
    private const long PartialBytes = 3 << 20;

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(120);

    /// <summary>64 KiB, then this pause: about 4 MB/s, so the big layer takes some seconds on each manager.</summary>
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(15);

    [Fact]
    public async Task A_pull_cut_mid_layer_by_the_sigkill_of_the_first_manager_completes_from_another_with_the_same_image_and_no_partial_blob()
    {
        using var work = new TempDirectory("ckt-registry-failover-pull");
        await using var managers = SecureManagers.Create(3);
        await ClusterRegistryTests.ExplainAsync(managers, async () =>
        {
            using var worker = await WorkerSide.PrepareAsync(managers, work);
            using var patience = new CancellationTokenSource(Wait);
            var (source, image, throttled, events, first) = (worker.Source, worker.Image, worker.Throttled, worker.Events, worker.First);
            var pushed = await Distribution(source, worker.Tls, managers[0]).PushAsync(Local, Target, clusterToken: worker.Token, cancellationToken: patience.Token);
            await WaitUntilEveryManagerHoldsAsync(managers, BlobsOf(source, image), patience.Token);

            var target = OpenStore(work.Combine("target"));
            var pull = Distribution(target, throttled, [.. managers.Managers]).PullAsync(Target, events, patience.Token);
            await WaitObservedAsync(throttled.WhenMoved(first, PartialBytes), pull, $"{PartialBytes} bytes of the big layer from {first}", patience.Token);
            managers[0].Kill();
            var pulled = await pull;

            Assert.Equal(image.Id, pulled.Image.Id);
            Assert.Equal(pushed.ManifestDigest, pulled.Digest);
            Assert.Equal(image.ManifestDigest, pulled.Digest);
            Assert.Equal((3, 0), (pulled.Downloaded, pulled.Present));
            var big = BigLayer(source);
            Assert.Contains($"GET {first}/v2/{Repository}/blobs/{big}", throttled.Requests);
            Assert.Contains(throttled.Requests, r => r != $"GET {first}/v2/{Repository}/blobs/{big}" && r.StartsWith("GET ", StringComparison.Ordinal) && r.EndsWith($"/v2/{Repository}/blobs/{big}", StringComparison.Ordinal));
            Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(target.Root, "tmp")));
            Assert.DoesNotContain(events.Events, e => e.State == BlobTransferState.Failed);
        });
    }

    [Fact]
    public async Task A_push_cut_mid_upload_by_the_sigkill_of_the_first_manager_completes_on_another_and_the_image_is_pulled_whole_from_a_survivor()
    {
        using var work = new TempDirectory("ckt-registry-failover-push");
        await using var managers = SecureManagers.Create(3);
        await ClusterRegistryTests.ExplainAsync(managers, async () =>
        {
            using var worker = await WorkerSide.PrepareAsync(managers, work);
            using var patience = new CancellationTokenSource(Wait);
            var (source, image, throttled, events, first) = (worker.Source, worker.Image, worker.Throttled, worker.Events, worker.First);
            var push = Distribution(source, throttled, [.. managers.Managers]).PushAsync(Local, Target, events, worker.Token, patience.Token);
            await WaitObservedAsync(throttled.WhenMoved(first, PartialBytes), push, $"{PartialBytes} bytes of the big layer sent to {first}", patience.Token);
            managers[0].Kill();
            var pushed = await push;

            Assert.Equal(image.ManifestDigest, pushed.ManifestDigest);
            Assert.Equal((3, 0, 0), (pushed.Uploaded, pushed.Existing, pushed.Mounted));
            Assert.InRange(throttled.Moved(first), PartialBytes, BigLayerBytes - 1);
            Assert.DoesNotContain(throttled.Requests, r => r.StartsWith($"PUT {first}/v2/{Repository}/manifests/", StringComparison.Ordinal));
            Assert.Contains(throttled.Requests, r => r.StartsWith("PUT ", StringComparison.Ordinal) && r.EndsWith($"/v2/{Repository}/manifests/v1", StringComparison.Ordinal));
            Assert.DoesNotContain(events.Events, e => e.State == BlobTransferState.Failed);

            // What the survivors hold is the image: pulled from the last manager (which may not be the one the push
            // finished on), every blob checked against its digest on the way in.
            var target = OpenStore(work.Combine("target"));
            var pulled = await Distribution(target, worker.Tls, managers[2], managers[1]).PullAsync(Target, cancellationToken: patience.Token);
            Assert.Equal(image.Id, pulled.Image.Id);
            Assert.Equal(image.ManifestDigest, pulled.Digest);
            Assert.Equal(image.LayerDiffIds, pulled.Image.LayerDiffIds);
            Assert.Equal(BlobsOf(source, image).Order(StringComparer.Ordinal), BlobsOf(target, pulled.Image).Order(StringComparer.Ordinal));
        });
    }

    /// <summary>
    /// An image of two layers in a store of its own: one of <see cref="BigLayerBytes"/> of noise (which gzip cannot
    /// shrink), then a small one committed on top.
    /// </summary>
    private static async Task<(ImageStore Store, ImageDetails Image)> CreateImageAsync(TempDirectory work)
    {
        var rootfs = work.Combine("rootfs");
        Directory.CreateDirectory(rootfs);
        var noise = new byte[BigLayerBytes];
        new Random(24).NextBytes(noise);
        await File.WriteAllBytesAsync(Path.Combine(rootfs, "noise.bin"), noise);
        var upper = work.Combine("upper");
        Directory.CreateDirectory(upper);
        await File.WriteAllTextAsync(Path.Combine(upper, "hello.txt"), "the small layer\n");

        var store = OpenStore(work.Combine("source"));
        var baseImage = await store.ImportAsync(new ImportRequest(rootfs, "ckt-failover:base", [], null));
        var image = await store.CommitAsync(new CommitRequest(upper, baseImage.Id, Local, [], null));
        return (store, image);
    }

    private static ImageStore OpenStore(string root) => new(new ImageStoreOptions { Root = root }, LinuxSystemCalls.Instance, TimeProvider.System);

    /// <summary>The digests of the image's config and layers, as its manifest in the store lists them.</summary>
    private static IEnumerable<string> BlobsOf(ImageStore store, ImageDetails image)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(store.Root, "blobs", "sha256", Digest.Parse(image.ManifestDigest).Encoded)));
        var root = manifest.RootElement;
        return [.. root.GetProperty("layers").EnumerateArray().Prepend(root.GetProperty("config")).Select(d => d.GetProperty("digest").GetString()!)];
    }

    /// <summary>The largest blob of the store: the big layer.</summary>
    private static string BigLayer(ImageStore store) => "sha256:" + BlobFiles(store).MaxBy(f => f.Length)!.Name;

    private static IEnumerable<FileInfo> BlobFiles(ImageStore store) => new DirectoryInfo(Path.Combine(store.Root, "blobs", "sha256")).EnumerateFiles();

    /// <summary>A worker's image distribution whose cluster registry is <paramref name="order"/>, tried in that order.</summary>
    private static ImageDistribution Distribution(ImageStore store, HttpMessageHandler handler, params SecureManager[] order) =>
        new(store, new RegistryConnector(new SocketsHttpHandler(), cluster: new FixedClusterRegistry(
            new ClusterRegistryTarget([.. order.Select(m => m.Api.ToString())], handler))));

    /// <summary>Waits until each manager's disk holds each blob (the background replication has reached it).</summary>
    private static async Task WaitUntilEveryManagerHoldsAsync(SecureManagers managers, IEnumerable<string> digests, CancellationToken cancellationToken)
    {
        var wanted = digests.Select(Digest.Parse).ToList();
        while (true)
        {
            var missing = managers.Managers
                .SelectMany(m => wanted.Where(d => !File.Exists(new FileBlobStore(Path.Combine(m.DataDirectory, "registry")).BlobPath(d))).Select(d => $"{m.Name} lacks {d}"))
                .ToList();
            if (missing.Count == 0)
            {
                return;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"the blobs were not replicated to every manager within {Wait.TotalSeconds} s: {string.Join(", ", missing)}");
            }

            await Task.Delay(100, CancellationToken.None);
        }
    }

    /// <summary>Waits until <paramref name="observed"/> completes; fails when the transfer ends first (it was not slowed enough to be cut).</summary>
    private static async Task WaitObservedAsync(Task observed, Task transfer, string what, CancellationToken cancellationToken)
    {
        var done = await Task.WhenAny(observed, transfer).WaitAsync(cancellationToken);
        if (done != observed)
        {
            await transfer;
            Assert.Fail($"the transfer ended before {what} were observed");
        }
    }

    /// <summary>
    /// What both tests start from: a cluster of three formed, the image in a worker's store, that worker's HTTPS
    /// handler (its node certificate, managers only), the same handler throttled, and a push token for
    /// <see cref="Repository"/> (what `ck` gets for a worker's push).
    /// </summary>
    private sealed class WorkerSide(ImageStore source, ImageDetails image, SocketsHttpHandler tls, string token, string first) : IDisposable
    {
        public ImageStore Source => source;

        public ImageDetails Image => image;

        public SocketsHttpHandler Tls => tls;

        public ThrottlingHandler Throttled { get; } = new(tls, 64 << 10, Pause);

        public string Token => token;

        /// <summary>The first manager of the cluster's order, the one killed (host:port).</summary>
        public string First => first;

        public ProgressLog Events { get; } = new();

        public static async Task<WorkerSide> PrepareAsync(SecureManagers managers, TempDirectory work)
        {
            var init = await managers.FormAsync();
            var (source, image) = await CreateImageAsync(work);
            var tls = RegistryHttp.WorkerHandler(await RegistryHttp.WorkerCredentialsAsync(managers[0], init));
            var token = await RegistryHttp.IssueTokenAsync(managers[0].Api, init, $"repository:{Repository}:pull,push");
            return new WorkerSide(source, image, tls, token, managers[0].Api.ToString());
        }

        /// <summary>Disposes the throttled handler and with it the handler it wraps.</summary>
        public void Dispose() => Throttled.Dispose();
    }

    /// <summary>Every progress event, in the order reported (synchronously, as the distribution reports them).</summary>
    private sealed class ProgressLog : IProgress<BlobProgress>
    {
        private readonly ConcurrentQueue<BlobProgress> _events = new();

        public IReadOnlyCollection<BlobProgress> Events => _events;

        public void Report(BlobProgress value) => _events.Enqueue(value);
    }
}
