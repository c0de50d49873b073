using ClusterKit.Manager.Registry.Names;

namespace ClusterKit.Manager.Registry.Metadata;

public sealed partial class InMemoryRegistryMetadata : IRegistryCatalog
{
    public Task<RepositoryContents?> GetRepositoryAsync(RepositoryName repository, CancellationToken cancellationToken) =>
        Read(repository, r => r is not { IsEmpty: false }
            ? null
            : new RepositoryContents(
                r.Name,
                [.. r.Manifests.Values.OrderBy(m => m.Digest.ToString(), StringComparer.Ordinal)],
                new SortedDictionary<string, Digest>(r.Tags, StringComparer.Ordinal),
                [.. r.Blobs.OrderBy(d => d.ToString(), StringComparer.Ordinal)]));
}
