using System.Text;
using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Metadata;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Registry.Storage;
using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Tables;
using ClusterKit.Manager.Tests.Registry.Replication;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Images;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Manager.Tests.Registry.Storage;

/// <summary>A manifest's bytes as a blob: committed and located on the manager that received them, read from a peer when this one lacks them.</summary>
public sealed class ManifestBytesTests : IDisposable
{
    private static readonly byte[] Content = Encoding.UTF8.GetBytes("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}""");
    private static readonly StoredManifest Manifest = new(Digest.Of(Content), MediaTypes.OciManifest, Content.Length, []);

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private readonly LocalStore _store = new(new MemoryStore());
    private readonly RegistryManagers _managers;

    public ManifestBytesTests()
    {
        _managers = new RegistryManagers(_store, new FakeTimeProvider(DateTimeOffset.UnixEpoch), "m1", "m2");
    }

    private CancellationToken _ct => _timeout.Token;

    public void Dispose()
    {
        _managers.Dispose();
        _timeout.Dispose();
    }

    [Fact]
    public async Task Stored_bytes_are_committed_on_this_managers_disk_and_located_there_for_the_replicator()
    {
        await Bytes("m1").StoreAsync(Manifest.Digest, Content, _ct);

        Assert.Equal(Content.Length, await _managers.Blobs["m1"].GetSizeAsync(Manifest.Digest, _ct));
        var location = _store.View(tx => tx.Get<RegistryBlobLocation>(RegistryBlobLocationTable.Key(Manifest.Digest.ToString(), "m1")));
        Assert.Equal(Content.Length, location?.Size);
        Assert.Equal(Content, await Bytes("m1").ReadAsync(Manifest, _ct));
        Assert.True(await Bytes("m1").ExistAsync(Manifest, _ct));
    }

    [Fact]
    public async Task Bytes_that_are_not_the_digest_are_refused_and_neither_committed_nor_located()
    {
        var refused = await Assert.ThrowsAsync<RegistryException>(() => Bytes("m1").StoreAsync(Digest.Of(Encoding.UTF8.GetBytes("other")), Content, _ct));

        Assert.Equal(RegistryErrorCode.DigestInvalid, refused.Code);
        Assert.Empty(_managers.Blobs["m1"].ListBlobs());
        Assert.Equal(0, _store.View(tx => tx.Count<RegistryBlobLocation>()));
    }

    [Fact]
    public async Task A_manifest_whose_bytes_are_only_on_a_peer_is_read_through_from_it_and_kept()
    {
        await Bytes("m1").StoreAsync(Manifest.Digest, Content, _ct);
        Assert.Null(await _managers.Blobs["m2"].GetSizeAsync(Manifest.Digest, _ct));

        Assert.True(await Bytes("m2").ExistAsync(Manifest, _ct));
        var read = await Bytes("m2").ReadAsync(Manifest, _ct);

        Assert.Equal(Content, read);
        Assert.Equal(["m1"], _managers.Fetcher.Asked);
        Assert.Equal(Content.Length, await _managers.Blobs["m2"].GetSizeAsync(Manifest.Digest, _ct));
        Assert.NotNull(_store.View(tx => tx.Get<RegistryBlobLocation>(RegistryBlobLocationTable.Key(Manifest.Digest.ToString(), "m2"))));
    }

    [Fact]
    public async Task A_peer_serving_wrong_manifest_bytes_is_refused_and_nothing_is_served_or_kept()
    {
        await Bytes("m1").StoreAsync(Manifest.Digest, Content, _ct);
        _managers.Fetcher.Corrupt.Add("m1");

        var read = await Bytes("m2").ReadAsync(Manifest, _ct);

        Assert.Null(read);
        Assert.Equal(["m1"], _managers.Fetcher.Asked);
        Assert.Null(await _managers.Blobs["m2"].GetSizeAsync(Manifest.Digest, _ct));
        Assert.Null(_store.View(tx => tx.Get<RegistryBlobLocation>(RegistryBlobLocationTable.Key(Manifest.Digest.ToString(), "m2"))));
    }

    [Fact]
    public async Task Bytes_no_manager_holds_read_as_none()
    {
        Assert.Null(await Bytes("m2").ReadAsync(Manifest, _ct));
        Assert.False(await Bytes("m2").ExistAsync(Manifest, _ct));
    }

    [Fact]
    public async Task Bytes_that_do_not_hash_to_the_manifest_digest_are_never_returned_even_from_this_managers_disk()
    {
        var tampered = (byte[])Content.Clone();
        tampered[^2] ^= 0x01;
        var bytes = new ManifestBytes(_managers.Blobs["m1"], new FixedBlobSource(tampered), _managers.Locations("m1"));

        var refused = await Assert.ThrowsAsync<RegistryException>(() => bytes.ReadAsync(Manifest, _ct));

        Assert.Equal(RegistryErrorCode.ManifestUnknown, refused.Code);
        Assert.Contains($"the stored bytes of manifest {Manifest.Digest} hash to {Digest.Of(tampered)}", refused.Message, StringComparison.Ordinal);
    }

    private ManifestBytes Bytes(string member) => new(_managers.Blobs[member], _managers.Source(member), _managers.Locations(member));

    /// <summary>A source that serves the same bytes for every digest: a disk whose file was changed under the registry.</summary>
    private sealed class FixedBlobSource(byte[] content) : IBlobSource
    {
        public ValueTask<long?> GetSizeAsync(Digest digest, CancellationToken cancellationToken) => ValueTask.FromResult<long?>(content.Length);

        public Task<Stream?> OpenReadAsync(Digest digest, CancellationToken cancellationToken) => Task.FromResult<Stream?>(new MemoryStream(content));
    }
}
