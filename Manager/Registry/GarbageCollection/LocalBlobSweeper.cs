using ClusterKit.Manager.Registry.Replication;
using ClusterKit.Manager.Registry.Storage;
using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Tables;
using ClusterKit.Proto.Manager.V1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClusterKit.Manager.Registry.GarbageCollection;

/// <summary>What one manager's sweep deleted from its disk.</summary>
public sealed record LocalSweep(int FilesDeleted, long BytesDeleted, int UploadsPurged);

/// <summary>
/// The disk side of garbage collection, on each manager: deletes blob files older than the grace period that no
/// record claims (no location of this manager, no link, no manifest naming the digest), and uploads idle for longer
/// than the upload timeout. A file is judged by its last commit time, so a blob committed again just now stays.
/// </summary>
public sealed partial class LocalBlobSweeper(
    IStore store,
    IBlobStore blobs,
    IManagerMembership membership,
    IOptions<RegistryGarbageCollectionOptions> options,
    TimeProvider time,
    ILogger<LocalBlobSweeper> logger)
{
    public async Task<LocalSweep> SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var oldBefore = now - options.Value.Grace;
        var local = membership.LocalMember;
        int deleted = 0;
        long bytes = 0;
        // A manifest put after this read names only blobs its repository links, which the check per file sees.
        var named = store.View(tx => GarbagePlanner.Mark(tx.List<RegistryManifest>()));
        foreach (var blob in blobs.ListBlobs().Where(b => b.CommittedAt < oldBefore).ToList())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var digest = blob.Digest.ToString();
            var claimed = named.Contains(digest) || store.View(tx =>
                tx.Get<RegistryBlobLocation>(RegistryBlobLocationTable.Key(digest, local)) is not null
                || tx.Count(RegistryBlobLinkTable.ByDigest(digest)) > 0);
            if (!claimed && await blobs.DeleteAsync(blob.Digest, cancellationToken).ConfigureAwait(false))
            {
                deleted++;
                bytes += blob.Size;
                Deleted(logger, digest, blob.Size);
            }
        }

        var purged = await blobs.PurgeIdleUploadsAsync(now - options.Value.UploadIdleTimeout, cancellationToken).ConfigureAwait(false);
        return new LocalSweep(deleted, bytes, purged.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted blob file {Digest} ({Size} bytes): no record claims it")]
    private static partial void Deleted(ILogger logger, string digest, long size);
}
