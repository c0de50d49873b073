using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Tables;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Registry.Metadata;

public sealed partial class StoreRegistryMetadata : IRegistryCatalog
{
    /// <summary>One linearizable read over the repositories' rows in the three tables (by their repository index).</summary>
    public async Task<IReadOnlyList<RepositoryContents>> GetRepositoriesAsync(IReadOnlyList<RepositoryName> repositories, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repositories);
        var rows = await store.ReadAsync(tx => repositories.Where(r => Exists(tx, r.Value)).Select(r => Rows(tx, r)).ToList(), cancellationToken);
        return [.. rows.Select(Contents)];
    }

    private static RepositoryRows Rows(IReadTransaction tx, RepositoryName repository) => new(
        repository,
        [.. tx.Find(RegistryManifestTable.ByRepository(repository.Value))],
        [.. tx.Find(RegistryTagTable.ByRepository(repository.Value))],
        [.. tx.Find(RegistryBlobLinkTable.ByRepository(repository.Value))]);

    private static RepositoryContents Contents(RepositoryRows rows) => new(
        rows.Name,
        [.. rows.Manifests.OrderBy(m => m.Digest, StringComparer.Ordinal).Select(ToStored)],
        new SortedDictionary<string, Digest>(rows.Tags.ToDictionary(t => t.Tag, t => Digest.Parse(t.ManifestDigest), StringComparer.Ordinal), StringComparer.Ordinal),
        [.. rows.Blobs.Select(b => b.Digest).Order(StringComparer.Ordinal).Select(Digest.Parse)]);

    /// <summary>A repository's rows as read in the store's transaction; turned into <see cref="RepositoryContents"/> outside it.</summary>
    private sealed record RepositoryRows(RepositoryName Name, IReadOnlyList<RegistryManifest> Manifests, IReadOnlyList<RegistryTag> Tags, IReadOnlyList<RegistryBlobLink> Blobs);
}
