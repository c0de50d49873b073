using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Store.Tables;
using ClusterKit.Manager.Store;
using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;

namespace ClusterKit.Manager.Registry.Metadata;

/// <summary>
/// Registry metadata in the replicated store (ADR 0016): every manager answers from the same repositories,
/// manifests and tags, and a manager that dies loses none of them. Reads are linearizable (a follower asks the
/// leader how far the log goes first), so a manifest pushed through one manager is found at once through another.
/// A link records when it was last made or named by a manifest put, and each of those writes moves its version:
/// garbage collection keeps young links and deletes a link only at the version it read (ADR 0016).
/// </summary>
public sealed partial class StoreRegistryMetadata(IStore store, TimeProvider? time = null) : IRegistryMetadata
{
    /// <summary>A link made again within this time of its last touch is left alone (no log entry); garbage collection's grace is far longer.</summary>
    public static readonly TimeSpan RelinkRefresh = TimeSpan.FromMinutes(1);

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<IReadOnlyList<RepositoryName>> ListRepositoriesAsync(CancellationToken cancellationToken) =>
        await store.ReadAsync<IReadOnlyList<RepositoryName>>(
            tx => [.. tx.List<RegistryBlobLink>().Select(l => l.Repository)
                .Concat(tx.List<RegistryManifest>().Select(m => m.Repository))
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal)
                .Select(RepositoryName.Parse)],
            cancellationToken);

    public async Task<bool> RepositoryExistsAsync(RepositoryName repository, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        return await store.ReadAsync(tx => Exists(tx, repository.Value), cancellationToken);
    }

    public async Task LinkBlobAsync(RepositoryName repository, Digest digest, CancellationToken cancellationToken)
    {
        var key = BlobKey(repository, digest);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();

        // Linked already and lately (a blob pushed again): no log entry. Linked long ago: touched, so that a collection
        // under way does not take a blob a client has just pushed again. A collection that deleted the link between this
        // read and this write makes the write fail: then the link is made anew.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await LinkOnceAsync(repository, digest, key, now, cancellationToken);
                return;
            }
            catch (StoreConflictException) when (attempt < 3)
            {
            }
        }
    }

    private Task<bool> LinkOnceAsync(RepositoryName repository, Digest digest, string key, long now, CancellationToken cancellationToken) =>
        WriteIfNeededAsync(
            tx =>
            {
                if (tx.Get<RegistryBlobLink>(key) is { } link)
                {
                    if (now - link.TouchedAtUnixMs < (long)RelinkRefresh.TotalMilliseconds)
                    {
                        return false;
                    }

                    link.TouchedAtUnixMs = now;
                    tx.Update(link);
                    return true;
                }

                tx.Create(new RegistryBlobLink { Id = key, Repository = repository.Value, Digest = digest.ToString(), TouchedAtUnixMs = now });
                return true;
            },
            cancellationToken);

    public async Task<bool> HasBlobAsync(RepositoryName repository, Digest digest, CancellationToken cancellationToken)
    {
        var key = BlobKey(repository, digest);
        return await store.ReadAsync(tx => tx.Get<RegistryBlobLink>(key) is not null, cancellationToken);
    }

    public Task<bool> UnlinkBlobAsync(RepositoryName repository, Digest digest, CancellationToken cancellationToken)
    {
        var key = BlobKey(repository, digest);
        return WriteIfNeededAsync(tx => tx.Get<RegistryBlobLink>(key) is null ? false : Delete<RegistryBlobLink>(tx, key), cancellationToken);
    }

    public async Task PutManifestAsync(RepositoryName repository, StoredManifest manifest, string? tag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(manifest);
        var row = ToRow(repository, manifest);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        try
        {
            await store.UpdateAsync(tx => PutManifest(tx, row, tag, now), cancellationToken);
        }
        catch (StoreConflictException)
        {
            // A blob it names was collected between the endpoint's check and this write.
            throw ManifestPutRefusal.BlobRemoved(repository.Value, manifest.Digest.ToString(), blob: null);
        }
    }

    /// <summary>
    /// Stores the manifest and touches the repository's link of every blob it names, each at the version read here: a
    /// collection that deletes one of them after this read makes this write fail, and one that read them before fails
    /// itself. A blob the manifest needs whose link is already gone (collected between the endpoint's check and this
    /// transaction) fails the put here, so a stored manifest never names a blob the repository lacks.
    /// </summary>
    private static void PutManifest(WriteTransaction tx, RegistryManifest row, string? tag, long now)
    {
        foreach (var blob in row.Blobs)
        {
            if (tx.Get<RegistryBlobLink>(RegistryTables.DigestKey(row.Repository, blob.Digest)) is null)
            {
                throw ManifestPutRefusal.BlobRemoved(row.Repository, row.Digest, blob.Digest);
            }
        }

        foreach (var reference in row.References.Distinct(StringComparer.Ordinal))
        {
            if (tx.Get<RegistryBlobLink>(RegistryTables.DigestKey(row.Repository, reference)) is { } link)
            {
                link.TouchedAtUnixMs = now;
                tx.Update(link);
            }
        }

        tx.Put(row);
        if (tag is not null)
        {
            tx.Put(new RegistryTag { Id = RegistryTables.TagKey(row.Repository, tag), Repository = row.Repository, Tag = tag, ManifestDigest = row.Digest });
        }
    }

    public async Task<StoredManifest?> GetManifestAsync(RepositoryName repository, Digest digest, CancellationToken cancellationToken)
    {
        var key = BlobKey(repository, digest);
        var row = await store.ReadAsync(tx => tx.Get<RegistryManifest>(key), cancellationToken);
        return row is null ? null : ToStored(row);
    }

    /// <summary>A manifest's row: its metadata only (its bytes are a blob).</summary>
    private static RegistryManifest ToRow(RepositoryName repository, StoredManifest manifest)
    {
        var row = new RegistryManifest
        {
            Id = RegistryTables.DigestKey(repository.Value, manifest.Digest.ToString()),
            Repository = repository.Value,
            Digest = manifest.Digest.ToString(),
            MediaType = manifest.MediaType,
            Size = manifest.Size,
            Subject = manifest.Subject?.ToString() ?? string.Empty,
        };
        row.References.AddRange(manifest.References.Select(r => r.ToString()));
        row.Blobs.AddRange(manifest.Blobs.Select(b => new RegistryManifestBlob { Digest = b.Digest.ToString(), Size = b.Size }));
        return row;
    }

    private static StoredManifest ToStored(RegistryManifest row) =>
        new(Digest.Parse(row.Digest), row.MediaType, row.Size, [.. row.References.Select(Digest.Parse)])
        {
            Subject = row.Subject.Length == 0 ? null : Digest.Parse(row.Subject),
            Blobs = [.. row.Blobs.Select(b => new ManifestBlob(Digest.Parse(b.Digest), b.Size))],
        };

    public async Task<Digest?> ResolveTagAsync(RepositoryName repository, string tag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var key = RegistryTables.TagKey(repository.Value, tag);
        var row = await store.ReadAsync(tx => tx.Get<RegistryTag>(key), cancellationToken);
        return row is null ? null : Digest.Parse(row.ManifestDigest);
    }

    public async Task<IReadOnlyList<string>?> ListTagsAsync(RepositoryName repository, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        return await store.ReadAsync<IReadOnlyList<string>?>(
            tx => Exists(tx, repository.Value) ? [.. tx.Find(RegistryTagTable.ByRepository(repository.Value)).Select(t => t.Tag).Order(StringComparer.Ordinal)] : null,
            cancellationToken);
    }

    public Task<bool> DeleteManifestAsync(RepositoryName repository, Digest digest, CancellationToken cancellationToken)
    {
        var key = BlobKey(repository, digest);
        return WriteIfNeededAsync(
            tx =>
            {
                if (tx.Get<RegistryManifest>(key) is null)
                {
                    return false;
                }

                foreach (var tag in tx.Find(RegistryTagTable.ByManifest(repository.Value, digest.ToString())))
                {
                    tx.Delete<RegistryTag>(tag.Id);
                }

                return Delete<RegistryManifest>(tx, key);
            },
            cancellationToken);
    }

    public Task<bool> DeleteTagAsync(RepositoryName repository, string tag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var key = RegistryTables.TagKey(repository.Value, tag);
        return WriteIfNeededAsync(tx => tx.Get<RegistryTag>(key) is null ? false : Delete<RegistryTag>(tx, key), cancellationToken);
    }

    private static bool Exists(IReadTransaction tx, string repository) =>
        tx.Count(RegistryBlobLinkTable.ByRepository(repository)) > 0 || tx.Count(RegistryManifestTable.ByRepository(repository)) > 0;

    private static string BlobKey(RepositoryName repository, Digest digest)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(digest);
        return RegistryTables.DigestKey(repository.Value, digest.ToString());
    }

    private static bool Delete<T>(WriteTransaction tx, string key)
        where T : class, IMessage<T>
    {
        tx.Delete<T>(key);
        return true;
    }

    /// <summary>
    /// Runs a write in one transaction; whether there is anything to write (a row to delete, a link not made yet) is
    /// decided inside it, on the state it writes. The store refuses a transaction that changes nothing, so one that
    /// finds nothing to do ends without a write; returns whether it wrote.
    /// </summary>
    private async Task<bool> WriteIfNeededAsync(Func<WriteTransaction, bool> write, CancellationToken cancellationToken)
    {
        try
        {
            await store.UpdateAsync(
                tx =>
                {
                    if (!write(tx))
                    {
                        throw new NothingToWriteException();
                    }
                },
                cancellationToken);
            return true;
        }
        catch (NothingToWriteException)
        {
            return false;
        }
    }

    private sealed class NothingToWriteException : Exception;
}
