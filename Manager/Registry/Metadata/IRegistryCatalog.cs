using ClusterKit.Manager.Registry.Names;

namespace ClusterKit.Manager.Registry.Metadata;

/// <summary>Everything one repository holds, read at one moment: manifests (by digest), tags (name to digest) and linked blobs.</summary>
public sealed record RepositoryContents(
    RepositoryName Name,
    IReadOnlyList<StoredManifest> Manifests,
    IReadOnlyDictionary<string, Digest> Tags,
    IReadOnlyList<Digest> Blobs);

/// <summary>
/// Whole-repository reads for operators (<c>ck registry ls|inspect</c>): the registry's HTTP API asks one manifest or
/// tag at a time, an operator wants a repository's counts and sizes at once. Implemented by every
/// <see cref="IRegistryMetadata"/>, beside its other reads.
/// </summary>
public interface IRegistryCatalog
{
    /// <summary>The repository's manifests (in digest order), tags (in name order) and blobs, or null when there is no such repository.</summary>
    Task<RepositoryContents?> GetRepositoryAsync(RepositoryName repository, CancellationToken cancellationToken);
}
