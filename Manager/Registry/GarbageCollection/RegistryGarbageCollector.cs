using ClusterKit.Manager.Store;
using ClusterKit.Proto.Manager.V1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClusterKit.Manager.Registry.GarbageCollection;

/// <summary>What one collection removed from the store, and how many blobs it left because they changed meanwhile.</summary>
public sealed record StoreCollection(int BlobsRemoved, long BytesRemoved, int KeptChanged);

/// <summary>
/// The store side of garbage collection: plans on one linearizable read (<see cref="GarbagePlanner"/>), then deletes
/// each garbage blob's links and locations in one transaction per blob, every row at the version read. A blob linked
/// again, named by a manifest put (which touches its links) or copied again since the read fails its transaction and
/// stays. The managers' files go in their sweeps (<see cref="LocalBlobSweeper"/>).
/// </summary>
public sealed partial class RegistryGarbageCollector(
    IStore store,
    IOptions<RegistryGarbageCollectionOptions> options,
    TimeProvider time,
    ILogger<RegistryGarbageCollector> logger)
{
    public async Task<StoreCollection> CollectAsync(CancellationToken cancellationToken)
    {
        var (manifests, links, locations) = await store.ReadAsync(
            tx => (tx.List<RegistryManifest>(), tx.List<RegistryBlobLink>(), tx.List<RegistryBlobLocation>()),
            cancellationToken).ConfigureAwait(false);
        var garbage = GarbagePlanner.Plan(manifests, links, locations, time.GetUtcNow(), options.Value.Grace);
        int removed = 0, kept = 0;
        long bytes = 0;
        foreach (var blob in garbage)
        {
            try
            {
                await store.UpdateAsync(tx => DeleteAsRead(tx, blob), cancellationToken).ConfigureAwait(false);
                removed++;
                bytes += blob.Size;
                Collected(logger, blob.Digest, blob.Size);
            }
            catch (StoreConflictException)
            {
                kept++;
                KeptChanged(logger, blob.Digest);
            }
        }

        return new StoreCollection(removed, bytes, kept);
    }

    private static void DeleteAsRead(WriteTransaction tx, GarbageBlob blob)
    {
        foreach (var link in blob.Links)
        {
            tx.Delete(link);
        }

        foreach (var location in blob.Locations)
        {
            tx.Delete(location);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Collected blob {Digest} ({Size} bytes): no manifest names it")]
    private static partial void Collected(ILogger logger, string digest, long size);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kept blob {Digest}: it was linked, referenced or copied while it was being collected")]
    private static partial void KeptChanged(ILogger logger, string digest);
}
