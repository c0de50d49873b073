using System.Text;
using ClusterKit.Manager.Registry.Metadata;
using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Store;
using ClusterKit.Shared.Images;

namespace ClusterKit.Manager.Tests.Registry.Metadata;

/// <summary>What every <see cref="IRegistryMetadata"/> does; each implementation runs these through a subclass.</summary>
public abstract class RegistryMetadataContract
{
    private static readonly RepositoryName App = RepositoryName.Parse("team/app");
    private static readonly RepositoryName Other = RepositoryName.Parse("other");
    private static readonly Digest Blob = Digest.Of(Encoding.ASCII.GetBytes("blob"));

    private readonly IRegistryMetadata _metadata;
    private readonly CancellationToken _ct = CancellationToken.None;

    protected RegistryMetadataContract(IRegistryMetadata metadata)
    {
        _metadata = metadata;
    }

    [Fact]
    public async Task A_repository_exists_while_it_holds_a_blob_or_a_manifest()
    {
        Assert.False(await _metadata.RepositoryExistsAsync(App, _ct));

        await _metadata.LinkBlobAsync(App, Blob, _ct);
        var withBlob = await _metadata.RepositoryExistsAsync(App, _ct);
        await _metadata.UnlinkBlobAsync(App, Blob, _ct);

        Assert.True(withBlob);
        Assert.False(await _metadata.RepositoryExistsAsync(App, _ct));
        Assert.Empty(await _metadata.ListRepositoriesAsync(_ct));
        Assert.Null(await _metadata.ListTagsAsync(App, _ct));
    }

    [Fact]
    public async Task Blobs_belong_to_repositories()
    {
        await _metadata.LinkBlobAsync(App, Blob, _ct);

        Assert.True(await _metadata.HasBlobAsync(App, Blob, _ct));
        Assert.False(await _metadata.HasBlobAsync(Other, Blob, _ct));
        Assert.False(await _metadata.UnlinkBlobAsync(Other, Blob, _ct));
        Assert.True(await _metadata.UnlinkBlobAsync(App, Blob, _ct));
        Assert.False(await _metadata.HasBlobAsync(App, Blob, _ct));
    }

    [Fact]
    public async Task Tags_point_at_manifests_and_go_with_them()
    {
        var first = Manifest("one");
        var second = Manifest("two");
        await _metadata.PutManifestAsync(App, first, "v1", _ct);
        await _metadata.PutManifestAsync(App, first, "latest", _ct);
        await _metadata.PutManifestAsync(App, second, "v2", _ct);

        Assert.Equal(first.Digest, await _metadata.ResolveTagAsync(App, "latest", _ct));
        Assert.Equal(["latest", "v1", "v2"], await _metadata.ListTagsAsync(App, _ct));

        await _metadata.PutManifestAsync(App, second, "latest", _ct);
        Assert.Equal(second.Digest, await _metadata.ResolveTagAsync(App, "latest", _ct));

        Assert.True(await _metadata.DeleteManifestAsync(App, first.Digest, _ct));
        Assert.False(await _metadata.DeleteManifestAsync(App, first.Digest, _ct));
        Assert.Equal(["latest", "v2"], await _metadata.ListTagsAsync(App, _ct));
        Assert.Null(await _metadata.GetManifestAsync(App, first.Digest, _ct));

        Assert.True(await _metadata.DeleteTagAsync(App, "v2", _ct));
        Assert.False(await _metadata.DeleteTagAsync(App, "v2", _ct));
        var kept = await _metadata.GetManifestAsync(App, second.Digest, _ct);
        Assert.Equal((second.Digest, second.MediaType, second.Size), (kept!.Digest, kept.MediaType, kept.Size));
        Assert.Null(kept.Subject);
        Assert.Empty(kept.Blobs);
    }

    [Fact]
    public async Task A_manifest_keeps_its_size_media_type_references_subject_and_blobs_but_no_bytes()
    {
        var layer = Digest.Of(Encoding.ASCII.GetBytes("layer"));
        var subject = Digest.Of(Encoding.ASCII.GetBytes("the image this one is about"));
        var bytes = Encoding.ASCII.GetBytes("{\"schemaVersion\":2}");
        var manifest = new StoredManifest(Digest.Of(bytes), MediaTypes.DockerManifest, bytes.Length, [Blob, layer])
        {
            Subject = subject,
            Blobs = [new ManifestBlob(Blob, 4), new ManifestBlob(layer, 5)],
        };
        await _metadata.LinkBlobAsync(App, Blob, _ct);
        var refused = await Assert.ThrowsAsync<RegistryException>(() => _metadata.PutManifestAsync(App, manifest, tag: null, _ct));
        Assert.Equal(RegistryErrorCode.ManifestBlobUnknown, refused.Code);
        Assert.Null(await _metadata.GetManifestAsync(App, Digest.Of(bytes), _ct));
        await _metadata.LinkBlobAsync(App, layer, _ct);
        await _metadata.PutManifestAsync(App, manifest, tag: null, _ct);

        var stored = await _metadata.GetManifestAsync(App, Digest.Of(bytes), _ct);

        Assert.NotNull(stored);
        Assert.Equal(bytes.Length, stored.Size);
        Assert.Equal(MediaTypes.DockerManifest, stored.MediaType);
        Assert.Equal([Blob, layer], stored.References);
        Assert.Equal(subject, stored.Subject);
        Assert.Equal([new ManifestBlob(Blob, 4), new ManifestBlob(layer, 5)], stored.Blobs);
        Assert.Null(await _metadata.GetManifestAsync(Other, Digest.Of(bytes), _ct));
        Assert.Equal([], await _metadata.ListTagsAsync(App, _ct));
    }

    [Fact]
    public async Task Repositories_and_tags_list_in_ordinal_order()
    {
        foreach (var name in new[] { "b", "a/z", "a", "A0".ToLowerInvariant() })
        {
            await _metadata.PutManifestAsync(RepositoryName.Parse(name), Manifest(name), name.Replace('/', '-'), _ct);
        }

        Assert.Equal(["a", "a/z", "a0", "b"], (await _metadata.ListRepositoriesAsync(_ct)).Select(r => r.Value));
    }

    [Fact]
    public async Task Concurrent_writers_lose_nothing()
    {
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() => _metadata.PutManifestAsync(App, Manifest($"m{i}"), $"t{i}", _ct))));

        Assert.Equal(200, (await _metadata.ListTagsAsync(App, _ct))!.Count);
    }

    private static StoredManifest Manifest(string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        return new StoredManifest(Digest.Of(bytes), MediaTypes.OciManifest, bytes.Length, []);
    }
}

public sealed class InMemoryRegistryMetadataTests() : RegistryMetadataContract(new InMemoryRegistryMetadata());

/// <summary>The same contract over the store the managers replicate (a local store here; Raft adds only replication).</summary>
public sealed class StoreRegistryMetadataTests() : RegistryMetadataContract(new StoreRegistryMetadata(new LocalStore(new MemoryStore())));
