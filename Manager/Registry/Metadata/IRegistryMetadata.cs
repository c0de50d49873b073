using ClusterKit.Manager.Registry.Names;

namespace ClusterKit.Manager.Registry.Metadata;

/// <summary>A stored manifest: its bytes exactly as pushed, their media type, and the digests it references.</summary>
public sealed record StoredManifest(Digest Digest, string MediaType, ReadOnlyMemory<byte> Content, IReadOnlyList<Digest> References);

/// <summary>
/// What the registry knows besides blob bytes: repositories, which blobs belong to which repository (a blob is
/// served, and can be mounted elsewhere, only through a repository that holds it), manifests and tags.
/// In memory now (<see cref="InMemoryRegistryMetadata"/>); in the Raft store later, so every manager agrees.
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

    /// <summary>Stores the manifest (again, harmlessly, when it is there) and points <paramref name="tag"/> at it when given.</summary>
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
