using ClusterKit.Manager.Registry.Names;

namespace ClusterKit.Manager.Registry.Metadata;

/// <summary>A blob a manifest names (config or layer the registry holds), with the size its descriptor gives.</summary>
public sealed record ManifestBlob(Digest Digest, long Size);

/// <summary>
/// A stored manifest's metadata: its media type, the length of its bytes, the digests it references, and the manifest
/// its subject names, if any. The bytes themselves are a blob under <see cref="Digest"/> (ADR 0016), read through
/// <see cref="Storage.ManifestBytes"/>.
/// </summary>
public sealed record StoredManifest(Digest Digest, string MediaType, long Size, IReadOnlyList<Digest> References)
{
    /// <summary>The manifest its <c>subject</c> field names (OCI referrers), or null.</summary>
    public Digest? Subject { get; init; }

    /// <summary>The blobs it names that the registry holds (config and layers, not foreign layers): what listings sum.</summary>
    public IReadOnlyList<ManifestBlob> Blobs { get; init; } = [];
}

/// <summary>
/// What the registry knows besides blob bytes: repositories, which blobs belong to which repository (a blob is
/// served, and can be mounted elsewhere, only through a repository that holds it), manifests and tags: in memory
/// (<see cref="InMemoryRegistryMetadata"/>) or in the Raft store (<see cref="StoreRegistryMetadata"/>). A manifest's
/// bytes are not metadata: they are stored as a blob before its metadata is put.
/// Lists come back in ordinal order, the order pagination relies on.
/// </summary>
public interface IRegistryMetadata
{
    /// <summary>Every repository that holds a blob or a manifest.</summary>
    Task<IReadOnlyList<RepositoryName>> ListRepositoriesAsync(CancellationToken cancellationToken);

    Task<bool> RepositoryExistsAsync(RepositoryName repository, CancellationToken cancellationToken);

    /// <summary>Records that <paramref name="repository"/> holds the blob (after an upload or a mount).</summary>
    Task LinkBlobAsync(RepositoryName repository, Digest digest, CancellationToken cancellationToken);

    Task<bool> HasBlobAsync(RepositoryName repository, Digest digest, CancellationToken cancellationToken);

    /// <summary>Removes the blob from the repository (its bytes stay until garbage collection); false when it was not there.</summary>
    Task<bool> UnlinkBlobAsync(RepositoryName repository, Digest digest, CancellationToken cancellationToken);

    /// <summary>
    /// Stores the manifest's metadata (again, harmlessly, when it is there) and points <paramref name="tag"/> at it when
    /// given. Its bytes must be committed as a blob first, so that no manifest is known whose bytes exist nowhere.
    /// </summary>
    Task PutManifestAsync(RepositoryName repository, StoredManifest manifest, string? tag, CancellationToken cancellationToken);

    Task<StoredManifest?> GetManifestAsync(RepositoryName repository, Digest digest, CancellationToken cancellationToken);

    Task<Digest?> ResolveTagAsync(RepositoryName repository, string tag, CancellationToken cancellationToken);

    /// <summary>The repository's tags, or null when there is no such repository.</summary>
    Task<IReadOnlyList<string>?> ListTagsAsync(RepositoryName repository, CancellationToken cancellationToken);

    /// <summary>Deletes the manifest and every tag that points at it; false when it was not there.</summary>
    Task<bool> DeleteManifestAsync(RepositoryName repository, Digest digest, CancellationToken cancellationToken);

    /// <summary>Deletes a tag (the manifest stays, reachable by digest); false when it was not there.</summary>
    Task<bool> DeleteTagAsync(RepositoryName repository, string tag, CancellationToken cancellationToken);
}
