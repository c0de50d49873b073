using System.Collections.Concurrent;
using System.Text.Json;
using ClusterKit.TestKit;
using ClusterKit.Worker.Images.Distribution;
using ClusterKit.Worker.Images.Store;
using ClusterKit.Worker.Images.Tests.Store;

namespace ClusterKit.Worker.Images.Tests.Distribution;

/// <summary>Push and pull against the reference registry (Debian's docker-registry, distribution 2.8), checked with skopeo.</summary>
public sealed class ReferenceRegistryTests : IClassFixture<ReferenceRegistryFixture>, IDisposable
{
    private readonly ReferenceRegistryFixture _registry;
    private readonly TempDirectory _temp = new("ckt-regpush");
    private readonly SocketsHttpHandler _handler = new();

    public ReferenceRegistryTests(ReferenceRegistryFixture registry)
    {
        _registry = registry;
    }

    public void Dispose()
    {
        _handler.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task An_image_pushed_in_chunks_pulls_back_by_tag_and_by_digest_and_a_second_push_skips_every_blob()
    {
        var (source, image) = await TinyImages.CreateAsync(_temp, "ckt-roundtrip:1", randomBytes: 300_000);
        var target = $"{_registry.Address}/ckt/roundtrip:1";
        var events = new ConcurrentQueue<BlobProgress>();

        var first = await Distribution(source).PushAsync("ckt-roundtrip:1", target, new QueueProgress(events));
        var firstEvents = events.ToArray();
        events.Clear();
        var second = await Distribution(source).PushAsync("ckt-roundtrip:1", target, new QueueProgress(events));

        Assert.Equal((2, 0, 0, image.ManifestDigest), (first.Uploaded, first.Existing, first.Mounted, first.ManifestDigest));
        Assert.Contains(firstEvents, e => e.Role == BlobRole.Layer && e.State == BlobTransferState.Uploading && e.BytesDone > 0 && e.BytesDone < e.BytesTotal);
        Assert.Equal((0, 2, 0L, first.ManifestDigest), (second.Uploaded, second.Existing, second.BytesUploaded, second.ManifestDigest));
        Assert.Equal(2, events.Count(e => e.State == BlobTransferState.Exists));
        Assert.DoesNotContain(events, e => e.State == BlobTransferState.Uploading && e.Role != BlobRole.Manifest);
        var inspected = await HostProcess.RunCheckedAsync("/usr/bin/skopeo", ["inspect", "--tls-verify=false", $"docker://{target}"], TimeSpan.FromSeconds(60));
        using (var json = JsonDocument.Parse(inspected))
        {
            Assert.Equal(first.ManifestDigest, json.RootElement.GetProperty("Digest").GetString());
            Assert.Equal(image.LayerDiffIds.Count, json.RootElement.GetProperty("Layers").GetArrayLength());
        }

        var byTag = StoreFiles.Open(_temp.Combine("by-tag"));
        var pulled = await Distribution(byTag).PullAsync(target);
        var byDigest = StoreFiles.Open(_temp.Combine("by-digest"));
        var digest = await Distribution(byDigest).ResolveDigestAsync(target);
        var pinned = await Distribution(byDigest).PullAsync($"{_registry.Address}/ckt/roundtrip@{digest}");
        var ensured = await Distribution(byDigest).EnsureImageAsync($"{_registry.Address}/ckt/roundtrip@{digest}");

        Assert.Equal(first.ManifestDigest, digest);
        foreach (var result in new[] { pulled, pinned })
        {
            Assert.Equal((image.Id, image.ManifestDigest, first.ManifestDigest), (result.Image.Id, result.Image.ManifestDigest, result.Digest));
            Assert.Equal(image.LayerDiffIds, result.Image.LayerDiffIds);
            Assert.Equal((2, 0), (result.Downloaded, result.Present));
        }

        Assert.Equal([target], pulled.Image.References);
        Assert.Equal(image.Id, ensured.Id);
        var layer = Assert.Single(await byTag.GetLayerDirectoriesAsync(image.Id));
        Assert.Equal("hello from ckt-roundtrip:1", await File.ReadAllTextAsync(Path.Combine(layer, "etc", "hello.txt")));
        Assert.Equal(["cat", "/etc/hello.txt"], (await byDigest.InspectAsync(image.Id)).Config.Cmd);
    }

    [Fact]
    public async Task A_push_to_another_repository_mounts_the_blobs_the_registry_already_holds()
    {
        var (source, image) = await TinyImages.CreateAsync(_temp, "ckt-mount:1");
        await Distribution(source).PushAsync("ckt-mount:1", $"{_registry.Address}/ckt/mount-a:1");
        var pulledStore = StoreFiles.Open(_temp.Combine("pulled"));
        await Distribution(pulledStore).PullAsync($"{_registry.Address}/ckt/mount-a:1");

        var pushed = await Distribution(pulledStore).PushAsync(image.Id, $"{_registry.Address}/ckt/mount-b:2");

        Assert.Equal((0, 0, 2), (pushed.Uploaded, pushed.Existing, pushed.Mounted));
        Assert.Equal(image.Id, (await Distribution(StoreFiles.Open(_temp.Combine("again"))).PullAsync($"{_registry.Address}/ckt/mount-b:2")).Image.Id);
    }

    [Fact]
    public async Task An_unknown_tag_fails_with_the_registry_s_error_code_and_the_repository()
    {
        var store = StoreFiles.Open(_temp.Combine("empty"));

        var error = await Assert.ThrowsAsync<RegistryException>(() => Distribution(store).PullAsync($"{_registry.Address}/ckt/nothing:here"));

        Assert.Contains($"registry {_registry.Address}: MANIFEST_UNKNOWN", error.Message, StringComparison.Ordinal);
        Assert.Contains("on GET manifest, repository ckt/nothing, digest here (HTTP 404)", error.Message, StringComparison.Ordinal);
        Assert.Empty(await store.ListAsync());
    }

    private ImageDistribution Distribution(ImageStore store) =>
        new(store, new RegistryConnector(_handler), new UploadOptions { ChunkSize = 64 << 10 });

    private sealed class QueueProgress(ConcurrentQueue<BlobProgress> events) : IProgress<BlobProgress>
    {
        public void Report(BlobProgress value) => events.Enqueue(value);
    }
}
