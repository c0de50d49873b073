using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Tables;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Registry.Replication;

/// <summary>Blob locations in the replicated store's <see cref="RegistryBlobLocationTable"/>.</summary>
public sealed class StoreBlobLocations(IStore store, IManagerMembership membership, TimeProvider time) : IBlobLocations
{
    public async Task RecordLocalAsync(Digest digest, long size, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(digest);
        var member = membership.LocalMember;
        var key = RegistryBlobLocationTable.Key(digest.ToString(), member);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();

        // An existing record is updated, not left alone: its version moves, so a collection that read it before fails.
        // A collection that deleted it between this read and this write makes the write fail: then it is made anew.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await RecordAsync(key, digest, member, size, now, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (StoreConflictException) when (attempt < 3)
            {
            }
        }
    }

    private Task<ulong> RecordAsync(string key, Digest digest, string member, long size, long now, CancellationToken cancellationToken) =>
        store.UpdateAsync(
            tx =>
            {
                if (tx.Get<RegistryBlobLocation>(key) is { } row)
                {
                    row.Size = size;
                    row.RecordedAtUnixMs = now;
                    tx.Update(row);
                }
                else
                {
                    tx.Create(new RegistryBlobLocation { Id = key, Digest = digest.ToString(), Member = member, Size = size, RecordedAtUnixMs = now });
                }
            },
            cancellationToken);

    public async Task<IReadOnlyList<BlobLocation>> PeersHoldingAsync(Digest digest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(digest);
        var local = membership.LocalMember;
        return await store.ReadAsync<IReadOnlyList<BlobLocation>>(
            tx => [.. tx.Find(RegistryBlobLocationTable.ByDigest(digest.ToString())).Where(l => l.Member != local).Select(l => new BlobLocation(digest, l.Member, l.Size))],
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every recorded copy, from this manager's view of the store (for the replicator's plan).</summary>
    public IReadOnlyList<BlobLocation> All() =>
        store.View<IReadOnlyList<BlobLocation>>(tx => [.. tx.List<RegistryBlobLocation>().Select(l => new BlobLocation(Digest.Parse(l.Digest), l.Member, l.Size))]);

    /// <summary>
    /// Drops this manager's records of blobs it no longer has on disk (a file deleted by hand, a lost disk), so that the
    /// replicator fetches them again; each delete is conditional on the record being unchanged. Returns how many went.
    /// </summary>
    public async Task<int> ForgetMissingAsync(Func<Digest, CancellationToken, ValueTask<bool>> holds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(holds);
        var member = membership.LocalMember;

        // Rows first, files after: a row is written only after its file was committed, so a row read here whose file
        // is missing below really lost its file.
        var rows = store.View(tx => tx.Find(RegistryBlobLocationTable.ByMember(member)));
        var missing = new List<RegistryBlobLocation>();
        foreach (var row in rows)
        {
            if (!await holds(Digest.Parse(row.Digest), cancellationToken).ConfigureAwait(false))
            {
                missing.Add(row);
            }
        }

        var forgotten = 0;
        foreach (var row in missing)
        {
            try
            {
                await store.UpdateAsync(tx => tx.Delete(row), cancellationToken).ConfigureAwait(false);
                forgotten++;
            }
            catch (StoreConflictException)
            {
                // Recorded again meanwhile (the blob was committed anew): keep it.
            }
        }

        return forgotten;
    }
}
