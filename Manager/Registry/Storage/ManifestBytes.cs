using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Metadata;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Registry.Replication;

namespace ClusterKit.Manager.Registry.Storage;

/// <summary>
/// A manifest's bytes as a content-addressed blob (its digest is the sha256 of its bytes, ADR 0016), so that the
/// replicated store holds only its metadata and a large manifest never makes a large log entry. Stored on this
/// manager's disk and located like any blob (the replicator copies it to the other managers); read from this
/// manager's copy or, when it has none yet, from a peer's (<see cref="IBlobSource"/>), and checked against its digest.
/// </summary>
public sealed class ManifestBytes(IBlobStore blobs, IBlobSource sources, IBlobLocations locations)
{
    /// <summary>
    /// Commits the bytes (verified against <paramref name="digest"/>) and records this manager's copy: done before the
    /// manifest's metadata is put, so that no manifest is known whose bytes exist nowhere. Throws when either fails.
    /// </summary>
    public async Task StoreAsync(Digest digest, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(digest);
        using var stream = new MemoryStream(content.ToArray(), writable: false);
        var size = await blobs.ImportAsync(digest, stream, content.Length, cancellationToken).ConfigureAwait(false);
        await locations.RecordLocalAsync(digest, size, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether this manager holds the bytes or a peer is recorded as holding them (HEAD needs no transfer).</summary>
    public async Task<bool> ExistAsync(StoredManifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return await sources.GetSizeAsync(manifest.Digest, cancellationToken).ConfigureAwait(false) == manifest.Size;
    }

    /// <summary>
    /// The manifest's bytes, exactly as pushed: null when neither this manager nor a peer holds them. Bytes that do not
    /// hash to the manifest's digest (a corrupt file) are never returned: that is an error, not a manifest.
    /// </summary>
    public async Task<byte[]?> ReadAsync(StoredManifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var stream = await sources.OpenReadAsync(manifest.Digest, cancellationToken).ConfigureAwait(false);
        if (stream is null)
        {
            return null;
        }

        byte[] content;
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            content = buffer.ToArray();
        }

        var actual = manifest.Digest.Recompute(content);
        return actual == manifest.Digest && content.Length == manifest.Size
            ? content
            : throw new RegistryException(
                RegistryErrorCode.ManifestUnknown,
                $"the stored bytes of manifest {manifest.Digest} hash to {actual} ({content.Length} bytes, {manifest.Size} expected); refused");
    }
}
