using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Tables;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Registry.Metadata;

public sealed partial class StoreRegistryMetadata : IRegistryCatalog
{
    /// <summary>One linearizable read over the repository's rows in the three tables (by their repository index).</summary>
    public async Task<RepositoryContents?> GetRepositoryAsync(RepositoryName repository, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var rows = await store.ReadAsync(tx => Rows(tx, repository.Value), cancellationToken);
        if (rows is null)
        {
            return null;
        }

        var (manifests, tags, blobs) = rows.Value;
        return new RepositoryContents(
            repository,
            [.. manifests.OrderBy(m => m.Digest, StringComparer.Ordinal).Select(ToStored)],
            new SortedDictionary<string, Digest>(tags.ToDictionary(t => t.Tag, t => Digest.Parse(t.ManifestDigest), StringComparer.Ordinal), StringComparer.Ordinal),
            [.. blobs.Select(b => b.Digest).Order(StringComparer.Ordinal).Select(Digest.Parse)]);
    }

    private static (IReadOnlyList<RegistryManifest>, IReadOnlyList<RegistryTag>, IReadOnlyList<RegistryBlobLink>)? Rows(IReadTransaction tx, string repository) =>
        Exists(tx, repository)
            ? ([.. tx.Find(RegistryManifestTable.ByRepository(repository))], [.. tx.Find(RegistryTagTable.ByRepository(repository))], [.. tx.Find(RegistryBlobLinkTable.ByRepository(repository))])
            : null;

    private static StoredManifest ToStored(RegistryManifest row) =>
        new(Digest.Parse(row.Digest), row.MediaType, row.Content.ToByteArray(), [.. row.References.Select(Digest.Parse)]);
}
