using System.Text;
using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.GarbageCollection;
using ClusterKit.Manager.Registry.Metadata;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Tables;
using ClusterKit.Manager.Tests.Registry.Replication;
using ClusterKit.Proto.Manager.V1;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Manager.Tests.Registry.GarbageCollection;

/// <summary>
/// Garbage collection over a store that commits a moment after it prepares (as the Raft store does), two managers'
/// blob stores on disk, and a fake clock that starts at the real time (the sweep judges files by their write time).
/// </summary>
public sealed class RegistryGarbageCollectorTests : IDisposable
{
    private static readonly TimeSpan Grace = TimeSpan.FromHours(1);
    private static readonly RepositoryName Repository = RepositoryName.Parse("team/app");

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(120));
    private readonly DeferredCommitStore _store = new(new MemoryStore());
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly RegistryManagers _managers;
    private readonly StoreRegistryMetadata _metadata;

    public RegistryGarbageCollectorTests()
    {
        _managers = new RegistryManagers(_store, _time, "m1", "m2");
        _metadata = new StoreRegistryMetadata(_store, _time);
    }

    private CancellationToken _ct => _timeout.Token;

    public void Dispose()
    {
        _managers.Dispose();
        _timeout.Dispose();
    }

    [Fact]
    public async Task Blobs_no_manifest_names_lose_their_records_and_every_manager_deletes_its_copy_the_rest_stays()
    {
        var layer = await PushBlobAsync("m1", "kept layer");
        var orphan = await PushBlobAsync("m1", "a layer whose manifest never came");
        await PutManifestAsync("v1", layer);
        await _managers.Replicator("m2").RunOnceAsync(_ct);
        _time.Advance(2 * Grace);

        var collected = await Collector(Grace).CollectAsync(_ct);

        Assert.Equal(new StoreCollection(1, orphan.Size, 0), collected);
        Assert.False(await _metadata.HasBlobAsync(Repository, orphan.Digest, _ct));
        Assert.True(await _metadata.HasBlobAsync(Repository, layer.Digest, _ct));
        foreach (var member in (string[])["m1", "m2"])
        {
            var swept = await Sweeper(member).SweepAsync(_ct);
            Assert.Equal((1, orphan.Size), (swept.FilesDeleted, swept.BytesDeleted));
            Assert.Null(await _managers.Blobs[member].GetSizeAsync(orphan.Digest, _ct));
            Assert.NotNull(await _managers.Blobs[member].GetSizeAsync(layer.Digest, _ct));
        }

        Assert.Equal(0, _store.View(tx => tx.Count(RegistryBlobLocationTable.ByDigest(orphan.Digest.ToString()))));
    }

    [Fact]
    public async Task A_manifests_own_bytes_stay_on_every_manager_while_it_exists_and_go_once_it_is_deleted()
    {
        var layer = await PushBlobAsync("m1", "a layer");
        var manifest = await PutManifestAsync("v1", layer);
        await _managers.Replicator("m2").RunOnceAsync(_ct);
        _time.Advance(2 * Grace);

        Assert.Equal(new StoreCollection(0, 0, 0), await Collector(Grace).CollectAsync(_ct));
        foreach (var member in (string[])["m1", "m2"])
        {
            Assert.Equal(0, (await Sweeper(member).SweepAsync(_ct)).FilesDeleted);
            Assert.Equal(manifest.Size, await _managers.Blobs[member].GetSizeAsync(manifest.Digest, _ct));
        }

        Assert.True(await _metadata.DeleteManifestAsync(Repository, manifest.Digest, _ct));
        var collected = await Collector(Grace).CollectAsync(_ct);

        // The layer is still linked to the repository but old and named by no manifest: it goes too.
        Assert.Equal(new StoreCollection(2, manifest.Size + layer.Size, 0), collected);
        foreach (var member in (string[])["m1", "m2"])
        {
            Assert.Equal(2, (await Sweeper(member).SweepAsync(_ct)).FilesDeleted);
            Assert.Null(await _managers.Blobs[member].GetSizeAsync(manifest.Digest, _ct));
        }

        Assert.Equal(0, _store.View(tx => tx.Count(RegistryBlobLocationTable.ByDigest(manifest.Digest.ToString()))));
    }

    [Fact]
    public async Task A_manifest_put_between_the_collections_read_and_its_delete_makes_the_delete_fail_and_the_blob_stays()
    {
        var layer = await PushBlobAsync("m1", "re-referenced layer");
        _time.Advance(2 * Grace);
        _store.OnNextCommit(() => PutManifestAsync("late", layer));

        var collected = await Collector(Grace).CollectAsync(_ct);

        Assert.Equal(new StoreCollection(0, 0, 1), collected);
        Assert.True(await _metadata.HasBlobAsync(Repository, layer.Digest, _ct));
        Assert.Equal(1, _store.View(tx => tx.Count(RegistryBlobLocationTable.ByDigest(layer.Digest.ToString()))));
        Assert.Equal(0, (await Sweeper("m1").SweepAsync(_ct)).FilesDeleted);
    }

    [Fact]
    public async Task A_manifest_put_prepared_before_a_collection_deleted_its_blob_fails_instead_of_naming_a_missing_blob()
    {
        var layer = await PushBlobAsync("m1", "collected layer");
        _time.Advance(2 * Grace);
        var refused = await Assert.ThrowsAsync<RegistryException>(
            () => PutManifestAsync("late", async () => Assert.Equal(1, (await Collector(Grace).CollectAsync(_ct)).BlobsRemoved), layer));

        Assert.Equal(RegistryErrorCode.ManifestBlobUnknown, refused.Code);
        Assert.Null(await _metadata.ResolveTagAsync(Repository, "late", _ct));
    }

    [Fact]
    public async Task Collections_racing_pushes_never_take_a_blob_of_a_push_in_flight_nor_of_a_stored_manifest()
    {
        var lost = await RaceAsync(Grace, iterations: 60);

        Assert.Equal(0, lost);
    }

    /// <summary>The race above fails without the grace period: collections take the blobs of pushes in flight.</summary>
    [Fact]
    public async Task Without_a_grace_period_the_race_loses_pushes_in_flight()
    {
        var lost = await RaceAsync(TimeSpan.Zero, iterations: 30);

        Assert.True(lost > 0, "with no grace a collection should have taken some push's blobs before its manifest arrived");
    }

    /// <summary>
    /// Each iteration: the clock moves past the grace period (what came before is old), then a push (blobs uploaded,
    /// recorded and linked, a pause, the manifest put) runs while collections run back to back. Every fourth push is
    /// abandoned before its manifest, and the next push uploads that abandoned layer again, so collections meet blobs
    /// that are old, unreferenced and being linked again. Returns how many pushes failed; after each iteration every
    /// stored manifest's blobs must still be linked, located and on disk (also after a sweep).
    /// </summary>
    private async Task<int> RaceAsync(TimeSpan grace, int iterations)
    {
        var collector = Collector(grace);
        var lost = 0;
        string? abandoned = null;
        for (var i = 0; i < iterations; i++)
        {
            _time.Advance(2 * Grace);
            var layers = new List<string> { $"config {i}", $"layer {i}", "a layer every image shares" };
            if (abandoned is not null)
            {
                layers.Add(abandoned);
            }

            var abandon = i % 4 == 3;
            var push = Task.Run(() => PushImageAsync($"v{i}", layers, abandon), _ct);
            var collections = Task.Run(
                async () =>
                {
                    while (!push.IsCompleted)
                    {
                        await collector.CollectAsync(_ct);
                    }
                },
                _ct);
            var pushed = await push;
            await collections;
            lost += pushed || abandon ? 0 : 1;
            abandoned = abandon ? $"layer {i}" : null;

            await Sweeper("m1").SweepAsync(_ct);
            await AssertEveryManifestIsWholeAsync();
        }

        // Long after, the abandoned pushes' blobs are gone, and nothing a manifest names.
        _time.Advance(2 * Grace);
        await Collector(grace).CollectAsync(_ct);
        await Sweeper("m1").SweepAsync(_ct);
        await AssertEveryManifestIsWholeAsync();
        var named = _store.View(tx => GarbagePlanner.Mark(tx.List<RegistryManifest>()));
        Assert.All(_managers.Blobs["m1"].ListBlobs(), b => Assert.Contains(b.Digest.ToString(), named));
        return lost;
    }

    private async Task<bool> PushImageAsync(string tag, List<string> layers, bool abandon)
    {
        var blobs = new List<(Digest Digest, long Size)>();
        foreach (var layer in layers)
        {
            blobs.Add(await PushBlobAsync("m1", layer));
            await Task.Yield();
        }

        // The client's pause between its last blob and its manifest.
        await Task.Delay(2, _ct);
        if (abandon)
        {
            return true;
        }

        try
        {
            await PutManifestAsync(tag, [.. blobs]);
            return true;
        }
        catch (RegistryException e) when (e.Code == RegistryErrorCode.ManifestBlobUnknown)
        {
            return false;
        }
    }

    private async Task AssertEveryManifestIsWholeAsync()
    {
        foreach (var manifest in _store.View(tx => tx.List<RegistryManifest>()))
        {
            foreach (var reference in manifest.References.Select(Digest.Parse))
            {
                Assert.True(await _metadata.HasBlobAsync(Repository, reference, _ct), $"{manifest.Digest} names {reference}, which lost its link");
                Assert.NotEqual(0, _store.View(tx => tx.Count(RegistryBlobLocationTable.ByDigest(reference.ToString()))));
                Assert.NotNull(await _managers.Blobs["m1"].GetSizeAsync(reference, _ct));
            }
        }
    }

    /// <summary>What the upload endpoint does: commit the bytes, record this manager's copy, link the repository.</summary>
    private async Task<(Digest Digest, long Size)> PushBlobAsync(string member, string text)
    {
        var content = Encoding.UTF8.GetBytes(text);
        var digest = await _managers.PushAsync(member, content, _ct);
        await _metadata.LinkBlobAsync(Repository, digest, _ct);
        return (digest, content.Length);
    }

    /// <summary>What the manifest endpoint does: check every blob is in the repository, store its bytes as a blob on m1, then its metadata.</summary>
    private Task<(Digest Digest, long Size)> PutManifestAsync(string tag, params (Digest Digest, long Size)[] blobs) => PutManifestAsync(tag, null, blobs);

    /// <param name="beforeMetadataCommit">Runs between the preparation and the commit of the manifest's metadata (its bytes stored already).</param>
    private async Task<(Digest Digest, long Size)> PutManifestAsync(string tag, Func<Task>? beforeMetadataCommit, params (Digest Digest, long Size)[] blobs)
    {
        foreach (var blob in blobs)
        {
            if (!await _metadata.HasBlobAsync(Repository, blob.Digest, _ct))
            {
                throw new RegistryException(RegistryErrorCode.ManifestBlobUnknown, $"{blob.Digest} is not in the repository");
            }
        }

        var content = Encoding.UTF8.GetBytes(tag + string.Join(",", blobs.Select(b => b.Digest)));
        await _managers.PushAsync("m1", content, _ct);
        if (beforeMetadataCommit is not null)
        {
            _store.OnNextCommit(beforeMetadataCommit);
        }

        // As the endpoint stores it (ParsedManifest.ToStored): the blobs it needs, whose links the put checks.
        var manifest = new StoredManifest(Digest.Of(content), "application/vnd.oci.image.manifest.v1+json", content.Length, [.. blobs.Select(b => b.Digest)])
        {
            Blobs = [.. blobs.Select(b => new ManifestBlob(b.Digest, b.Size))],
        };
        await _metadata.PutManifestAsync(Repository, manifest, tag, _ct);
        return (Digest.Of(content), content.Length);
    }

    private RegistryGarbageCollector Collector(TimeSpan grace) =>
        new(_store, Options.Create(new RegistryGarbageCollectionOptions { Grace = grace }), _time, NullLogger<RegistryGarbageCollector>.Instance);

    private LocalBlobSweeper Sweeper(string member) =>
        new(_store, _managers.Blobs[member], _managers.Membership(member), Options.Create(new RegistryGarbageCollectionOptions { Grace = Grace }), _time, NullLogger<LocalBlobSweeper>.Instance);
}
