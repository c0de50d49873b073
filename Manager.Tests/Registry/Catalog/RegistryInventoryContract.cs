using System.Text;
using System.Text.Json.Nodes;
using ClusterKit.Manager.Registry.Catalog;
using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Manifests;
using ClusterKit.Manager.Registry.Metadata;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Registry.Replication;
using ClusterKit.Manager.Registry.Storage;
using ClusterKit.Manager.Store;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Images;
using ClusterKit.TestKit;

namespace ClusterKit.Manager.Tests.Registry.Catalog;

/// <summary>`ck registry ls|inspect|rm` over each kind of registry metadata (in memory, and the store's tables).</summary>
public abstract class RegistryInventoryContract : IDisposable
{
    private readonly IRegistryMetadata _metadata;
    private readonly TempDirectory _blobRoot = new("ck-registry-inventory");
    private readonly ManifestBytes _manifestBytes;
    private readonly RegistryInventory _inventory;
    private static readonly byte[] Config = Encoding.UTF8.GetBytes("{\"config\":1}");
    private static readonly byte[] SharedLayer = new byte[1000];
    private static readonly byte[] OwnLayer = new byte[300];

    protected RegistryInventoryContract(IRegistryMetadata metadata)
    {
        _metadata = metadata;
        var blobs = new FileBlobStore(_blobRoot.Path);
        _manifestBytes = new ManifestBytes(blobs, new LocalBlobSource(blobs), new NoBlobLocations());
        _inventory = new RegistryInventory(metadata, (IRegistryCatalog)metadata, _manifestBytes);
    }

    public void Dispose()
    {
        _blobRoot.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Ls_counts_tags_and_manifests_and_sums_each_referenced_blob_once()
    {
        var first = await PushAsync("team/app", TestManifests.Image(Config, SharedLayer), "1", "latest");
        await PushAsync("team/app", TestManifests.Image(Config, SharedLayer, OwnLayer), "2");
        await PushAsync("library/busybox", TestManifests.Image(Config, OwnLayer), "latest");

        var list = await _inventory.ListAsync(new ListRegistryRequest(), CancellationToken.None);

        Assert.Equal(["library/busybox", "team/app"], list.Repositories.Select(r => r.Name));
        var app = list.Repositories[1];
        Assert.Equal(3, app.Tags);
        Assert.Equal(2, app.Manifests);
        Assert.Equal(Config.Length + SharedLayer.Length + OwnLayer.Length, app.SizeBytes);
        Assert.Equal(Config.Length + OwnLayer.Length, list.Repositories[0].SizeBytes);
        Assert.Empty(list.NextPageToken);
        Assert.NotNull(first);
    }

    [Fact]
    public async Task Ls_of_one_repository_reads_a_bare_name_as_library()
    {
        await PushAsync("library/busybox", TestManifests.Image(Config, OwnLayer), "latest");
        await PushAsync("team/app", TestManifests.Image(Config, OwnLayer), "1");

        var busybox = await _inventory.ListAsync(new ListRegistryRequest { Repository = "busybox" }, CancellationToken.None);
        var none = await _inventory.ListAsync(new ListRegistryRequest { Repository = "team/other" }, CancellationToken.None);
        var bad = await Assert.ThrowsAsync<RegistryException>(() => _inventory.ListAsync(new ListRegistryRequest { Repository = "team/app:1" }, CancellationToken.None));

        Assert.Equal("library/busybox", Assert.Single(busybox.Repositories).Name);
        Assert.Empty(none.Repositories);
        Assert.Equal(RegistryErrorCode.NameInvalid, bad.Code);
        Assert.Contains("'team/app:1'", bad.Message, StringComparison.Ordinal);
        Assert.Contains("without registry host, tag or digest", bad.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(23, 3)]
    [InlineData(20, 2)]
    [InlineData(0, 1)]
    public async Task A_large_registry_is_listed_page_by_page_in_name_order_with_nothing_lost_or_repeated(int count, int expectedPages)
    {
        var names = Enumerable.Range(0, count).Select(i => $"team/app{i:D2}").ToList();
        foreach (var name in names)
        {
            await _metadata.LinkBlobAsync(RepositoryName.Parse(name), Digest.Of(OwnLayer), CancellationToken.None);
        }

        var seen = new List<string>();
        var token = string.Empty;
        var pages = 0;
        do
        {
            var page = await _inventory.ListAsync(new ListRegistryRequest { PageSize = 10, PageToken = token }, CancellationToken.None);
            Assert.True(page.Repositories.Count <= 10);
            seen.AddRange(page.Repositories.Select(r => r.Name));
            token = page.NextPageToken;
            pages++;
        }
        while (token.Length > 0);

        Assert.Equal(names, seen);
        Assert.Equal(expectedPages, pages);
        var tooBig = await Assert.ThrowsAsync<RegistryException>(() => _inventory.ListAsync(new ListRegistryRequest { PageSize = RegistryInventory.MaxPageSize + 1 }, CancellationToken.None));
        Assert.Equal(RegistryErrorCode.PaginationNumberInvalid, tooBig.Code);
    }

    [Fact]
    public async Task Inspect_by_tag_or_digest_shows_config_layers_sizes_and_every_tag_at_the_manifest()
    {
        var manifest = TestManifests.Image(Config, SharedLayer, OwnLayer);
        var digest = await PushAsync("team/app", manifest, "1", "stable");
        await PushAsync("team/app", TestManifests.Image(Config, OwnLayer), "2");

        var byTag = await _inventory.InspectAsync("team/app:stable", CancellationToken.None);
        var byDigest = await _inventory.InspectAsync($"team/app@{digest}", CancellationToken.None);

        Assert.Equal(byTag, byDigest);
        Assert.Equal("team/app", byTag.Repository);
        Assert.Equal(digest.ToString(), byTag.Digest);
        Assert.Equal(MediaTypes.OciManifest, byTag.MediaType);
        Assert.Equal(TestManifests.Bytes(manifest).Length, byTag.SizeBytes);
        Assert.Equal(Digest.Of(Config).ToString(), byTag.Config.Digest);
        Assert.Equal([SharedLayer.Length, OwnLayer.Length], byTag.Layers.Select(l => l.SizeBytes));
        Assert.Equal([Digest.Of(SharedLayer).ToString(), Digest.Of(OwnLayer).ToString()], byTag.Layers.Select(l => l.Digest));
        Assert.Equal(Config.Length + SharedLayer.Length + OwnLayer.Length, byTag.TotalSizeBytes);
        Assert.Equal(["1", "stable"], byTag.Tags);
        Assert.Empty(byTag.Platforms);
    }

    [Fact]
    public async Task Inspect_of_an_index_lists_its_platforms_and_a_bare_name_means_library_latest()
    {
        var amd64 = TestManifests.Bytes(TestManifests.Image(Config, SharedLayer));
        var arm64 = TestManifests.Bytes(TestManifests.Image(Config, OwnLayer));
        await PushAsync("library/busybox", JsonNode.Parse(amd64)!);
        await PushAsync("library/busybox", JsonNode.Parse(arm64)!);
        var index = TestManifests.Index(amd64, arm64);
        index["manifests"]![0]!["platform"] = new JsonObject { ["os"] = "linux", ["architecture"] = "amd64" };
        index["manifests"]![1]!["platform"] = new JsonObject { ["os"] = "linux", ["architecture"] = "arm64", ["variant"] = "v8" };
        await PushAsync("library/busybox", index, "latest");

        var details = await _inventory.InspectAsync("busybox", CancellationToken.None);

        Assert.Equal(MediaTypes.OciIndex, details.MediaType);
        Assert.Null(details.Config);
        Assert.Empty(details.Layers);
        Assert.Equal(["linux/amd64/", "linux/arm64/v8"], details.Platforms.Select(p => $"{p.Os}/{p.Architecture}/{p.Variant}"));
        Assert.Equal(Digest.Of(arm64).ToString(), details.Platforms[1].Manifest.Digest);
        Assert.Equal(arm64.Length, details.Platforms[1].Manifest.SizeBytes);
        Assert.Equal(["latest"], details.Tags);
    }

    [Theory]
    [InlineData("team/app:nope", RegistryErrorCode.ManifestUnknown, "repository team/app has no tag 'nope'")]
    [InlineData("team/other:1", RegistryErrorCode.NameUnknown, "there is no repository team/other")]
    [InlineData("team/app@sha256:0000000000000000000000000000000000000000000000000000000000000000", RegistryErrorCode.ManifestUnknown, "has no manifest sha256:0000")]
    [InlineData("Team/App", RegistryErrorCode.NameInvalid, "must be lowercase; allowed: REPOSITORY[:TAG] or REPOSITORY@DIGEST")]
    [InlineData("team/app@sha256:abc", RegistryErrorCode.DigestInvalid, "allowed: REPOSITORY[:TAG] or REPOSITORY@DIGEST")]
    [InlineData("quay.io/team/app:1", RegistryErrorCode.NameInvalid, "it names the registry quay.io; allowed:")]
    [InlineData("team/app:1@sha256:0000000000000000000000000000000000000000000000000000000000000000", RegistryErrorCode.NameInvalid, "both a tag and a digest")]
    public async Task A_reference_that_names_nothing_here_is_refused_naming_it(string reference, RegistryErrorCode code, string why)
    {
        await PushAsync("team/app", TestManifests.Image(Config, OwnLayer), "1");

        var inspect = await Assert.ThrowsAsync<RegistryException>(() => _inventory.InspectAsync(reference, CancellationToken.None));
        var remove = await Assert.ThrowsAsync<RegistryException>(() => _inventory.RemoveAsync(reference, CancellationToken.None));

        foreach (var error in (RegistryException[])[inspect, remove])
        {
            Assert.Equal(code, error.Code);
            Assert.Contains($"'{reference}'", error.Message, StringComparison.Ordinal);
            Assert.Contains(why, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Rm_of_a_tag_removes_only_the_tag_and_leaves_manifest_and_blobs()
    {
        var digest = await PushAsync("team/app", TestManifests.Image(Config, OwnLayer), "1", "2");

        var removed = await _inventory.RemoveAsync("team/app:1", CancellationToken.None);

        Assert.Equal(["1"], removed.RemovedTags);
        Assert.False(removed.ManifestRemoved);
        Assert.Equal(digest.ToString(), removed.Digest);
        Assert.Contains($"the manifest stays, reachable as team/app@{digest}", removed.Note, StringComparison.Ordinal);
        Assert.Contains(RegistryInventory.BlobsLeftNote, removed.Note, StringComparison.Ordinal);
        var app = RepositoryName.Parse("team/app");
        Assert.Null(await _metadata.ResolveTagAsync(app, "1", CancellationToken.None));
        Assert.Equal(digest, await _metadata.ResolveTagAsync(app, "2", CancellationToken.None));
        Assert.NotNull(await _metadata.GetManifestAsync(app, digest, CancellationToken.None));
        Assert.True(await _metadata.HasBlobAsync(app, Digest.Of(OwnLayer), CancellationToken.None));
    }

    [Fact]
    public async Task Rm_by_digest_removes_the_manifest_with_every_tag_at_it_and_leaves_the_blobs_for_gc()
    {
        var digest = await PushAsync("team/app", TestManifests.Image(Config, OwnLayer), "1", "latest");
        var other = await PushAsync("team/app", TestManifests.Image(Config, SharedLayer), "2");

        var removed = await _inventory.RemoveAsync($"team/app@{digest}", CancellationToken.None);

        Assert.Equal(["1", "latest"], removed.RemovedTags);
        Assert.True(removed.ManifestRemoved);
        Assert.Equal(RegistryInventory.BlobsLeftNote, removed.Note);
        var app = RepositoryName.Parse("team/app");
        Assert.Null(await _metadata.GetManifestAsync(app, digest, CancellationToken.None));
        Assert.Equal(["2"], await _metadata.ListTagsAsync(app, CancellationToken.None));
        Assert.Equal(other, await _metadata.ResolveTagAsync(app, "2", CancellationToken.None));
        Assert.True(await _metadata.HasBlobAsync(app, Digest.Of(OwnLayer), CancellationToken.None));
        var again = await Assert.ThrowsAsync<RegistryException>(() => _inventory.RemoveAsync($"team/app@{digest}", CancellationToken.None));
        Assert.Equal(RegistryErrorCode.ManifestUnknown, again.Code);
    }

    /// <summary>As a push does: blobs linked, the manifest's bytes stored, then its metadata with its first tag, then further tags.</summary>
    private async Task<Digest> PushAsync(string repository, JsonNode manifest, params string?[] tags)
    {
        var name = RepositoryName.Parse(repository);
        var bytes = TestManifests.Bytes(manifest);
        var digest = Digest.Of(bytes);
        foreach (var node in new[] { manifest["config"] }.Concat(manifest["layers"]?.AsArray() ?? []).Concat(manifest["manifests"]?.AsArray() ?? []))
        {
            if (node?["digest"]?.GetValue<string>() is { } text)
            {
                await _metadata.LinkBlobAsync(name, Digest.Parse(text), CancellationToken.None);
            }
        }

        var stored = ManifestParser.Parse(bytes, manifest["mediaType"]!.GetValue<string>()).ToStored(digest, bytes.Length);
        await _manifestBytes.StoreAsync(digest, bytes, CancellationToken.None);
        foreach (var tag in tags.DefaultIfEmpty(null))
        {
            await _metadata.PutManifestAsync(name, stored, tag, CancellationToken.None);
        }

        return digest;
    }
}

public sealed class InMemoryRegistryInventoryTests() : RegistryInventoryContract(new InMemoryRegistryMetadata());

public sealed class StoreRegistryInventoryTests() : RegistryInventoryContract(new StoreRegistryMetadata(new LocalStore(new MemoryStore())));
