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
    /// <summary>
    /// Each repository's manifests (in digest order), tags (in name order) and blobs, read at one moment (one store
    /// read for a whole page of <c>ck registry ls</c>); in the order asked, leaving out names that hold nothing.
    /// </summary>
    Task<IReadOnlyList<RepositoryContents>> GetRepositoriesAsync(IReadOnlyList<RepositoryName> repositories, CancellationToken cancellationToken);
}
