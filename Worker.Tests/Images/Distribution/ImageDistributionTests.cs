using ClusterKit.Shared.Images;
using ClusterKit.TestKit;
using ClusterKit.Worker.Images.Distribution;
using ClusterKit.Worker.Images.Tests.Store;

namespace ClusterKit.Worker.Images.Tests.Distribution;

/// <summary>Push and pull between image stores and the in-process fake registry: what is kept when a pull fails, and deduplicated downloads.</summary>
public sealed class ImageDistributionTests : IDisposable
{
    private readonly TempDirectory _temp = new("ckt-distribution");
    private readonly FakeRegistry _registry = new();

    public void Dispose()
    {
        _registry.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task A_pulled_layer_that_fails_its_digest_fails_the_pull_and_leaves_the_store_as_it_was()
    {
        var (source, image) = await TinyImages.CreateAsync(_temp, "ckt-bad:1");
        await new ImageDistribution(source, new RegistryConnector(_registry)).PushAsync("ckt-bad:1", "fake.test:5000/team/bad:1");
        var layer = image.LayerDiffIds.Count == 1 ? _registry.Blobs.Keys.Single(d => _registry.Blobs[d].Length > 1000) : throw new InvalidOperationException();
        _registry.Blobs[layer] = [.. _registry.Blobs[layer].Select(b => (byte)(b ^ 0x5a))];
        var target = StoreFiles.Open(_temp.Combine("target"));
        await target.ListAsync();
        var before = StoreFiles.Snapshot(target.Root);

        var error = await Assert.ThrowsAsync<RegistryException>(() => new ImageDistribution(target, new RegistryConnector(_registry)).PullAsync("fake.test:5000/team/bad:1"));

        Assert.Contains($"DIGEST_INVALID for repository team/bad, digest {layer}", error.Message, StringComparison.Ordinal);
        Assert.Empty(TinyImages.BlobFiles(target));
        Assert.Empty(TinyImages.TempEntries(target));
        Assert.Empty(Directory.GetDirectories(Path.Combine(target.Root, "layers")));
        Assert.Empty(await target.ListAsync());
        Assert.Equal(before, StoreFiles.Snapshot(target.Root));
    }

    [Fact]
    public async Task A_manifest_naming_a_blob_the_registry_lacks_fails_with_blob_unknown_and_keeps_nothing()
    {
        var (source, image) = await TinyImages.CreateAsync(_temp, "ckt-missing:1");
        await new ImageDistribution(source, new RegistryConnector(_registry)).PushAsync("ckt-missing:1", "fake.test:5000/team/missing:1");
        _registry.Blobs.Remove(image.Id);
        var target = StoreFiles.Open(_temp.Combine("target"));

        var error = await Assert.ThrowsAsync<RegistryException>(() => new ImageDistribution(target, new RegistryConnector(_registry)).PullAsync("fake.test:5000/team/missing:1"));

        Assert.Contains($"BLOB_UNKNOWN (blob unknown to registry) on GET blob, repository team/missing, digest {image.Id}", error.Message, StringComparison.Ordinal);
        Assert.Empty(TinyImages.BlobFiles(target));
        Assert.Empty(await target.ListAsync());
    }

    [Fact]
    public async Task A_layer_of_a_foreign_media_type_is_refused_before_any_download()
    {
        var (source, _) = await TinyImages.CreateAsync(_temp, "ckt-zstd:1");
        await new ImageDistribution(source, new RegistryConnector(_registry)).PushAsync("ckt-zstd:1", "fake.test:5000/team/zstd:1");
        var (type, content) = _registry.Manifests["team/zstd:1"];
        _registry.AddManifest("team/zstd", "1", type, System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(content).Replace("tar\\u002Bgzip", "tar+zstd", StringComparison.Ordinal)));
        var target = StoreFiles.Open(_temp.Combine("target"));
        _registry.Requests.Clear();

        var error = await Assert.ThrowsAsync<ImageStoreException>(() => new ImageDistribution(target, new RegistryConnector(_registry)).PullAsync("fake.test:5000/team/zstd:1"));

        Assert.Contains("MANIFEST_INVALID", error.Message, StringComparison.Ordinal);
        Assert.Contains("application/vnd.oci.image.layer.v1.tar+zstd", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_registry.Requests, r => r.Contains("/blobs/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Concurrent_pulls_of_the_same_image_download_each_blob_once()
    {
        var (source, image) = await TinyImages.CreateAsync(_temp, "ckt-dedup:1", randomBytes: 50_000);
        await new ImageDistribution(source, new RegistryConnector(_registry)).PushAsync("ckt-dedup:1", "fake.test:5000/team/dedup:1");
        _registry.Requests.Clear();
        _registry.BlobDelay = TimeSpan.FromMilliseconds(300);
        var target = StoreFiles.Open(_temp.Combine("target"));

        var pulls = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
            new ImageDistribution(target, new RegistryConnector(_registry)).PullAsync("fake.test:5000/team/dedup:1")));

        Assert.All(pulls, p => Assert.Equal(image.Id, p.Image.Id));
        var gets = _registry.Requests.Where(r => r.StartsWith("GET /v2/team/dedup/blobs/", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, gets.Count);
        Assert.Equal(2, gets.Distinct().Count());
        Assert.Equal(image.Size + _registry.Blobs[image.Id].Length, pulls.Sum(p => p.BytesDownloaded));
        Assert.Empty(TinyImages.TempEntries(target));
    }

    [Fact]
    public async Task An_index_is_resolved_to_the_store_s_platform_and_its_digest_names_the_image_afterwards()
    {
        var (source, image) = await TinyImages.CreateAsync(_temp, "ckt-index:1");
        await new ImageDistribution(source, new RegistryConnector(_registry)).PushAsync("ckt-index:1", "fake.test:5000/team/index:1");
        var (type, manifest) = _registry.Manifests["team/index:1"];
        var index = System.Text.Encoding.UTF8.GetBytes(
            $"{{\"schemaVersion\":2,\"mediaType\":\"{MediaTypes.OciIndex}\",\"manifests\":[" +
            $"{{\"mediaType\":\"{type}\",\"digest\":\"{Digests.Of("arm"u8)}\",\"size\":3,\"platform\":{{\"os\":\"linux\",\"architecture\":\"s390x\"}}}}," +
            $"{{\"mediaType\":\"{type}\",\"digest\":\"{Digests.Of(manifest)}\",\"size\":{manifest.Length},\"platform\":{{\"os\":\"linux\",\"architecture\":\"{Archives.ArchiveReader.HostArchitecture()}\"}}}}]}}");
        _registry.AddManifest("team/index", "multi", MediaTypes.OciIndex, index);
        var target = StoreFiles.Open(_temp.Combine("target"));
        var distribution = new ImageDistribution(target, new RegistryConnector(_registry));

        var digest = await distribution.ResolveDigestAsync("fake.test:5000/team/index:multi");
        var ensured = await distribution.EnsureImageAsync($"fake.test:5000/team/index@{digest}");
        _registry.Requests.Clear();
        var again = await distribution.EnsureImageAsync($"fake.test:5000/team/index@{digest}");

        Assert.Equal(Digests.Of(index), digest);
        Assert.Equal((image.Id, Digests.Of(manifest)), (ensured.Id, ensured.ManifestDigest));
        Assert.Equal(image.Id, again.Id);
        Assert.Empty(_registry.Requests);
        Assert.Equal(image.Id, (await target.InspectAsync($"fake.test:5000/team/index@{digest}")).Id);
    }
}
