using ClusterKit.Manager.Registry.Names;

namespace ClusterKit.Manager.Registry.Metadata;

public sealed partial class InMemoryRegistryMetadata : IRegistryCatalog
{
    public Task<IReadOnlyList<RepositoryContents>> GetRepositoriesAsync(IReadOnlyList<RepositoryName> repositories, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repositories);
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<RepositoryContents>>([.. repositories.Select(r => _repositories.GetValueOrDefault(r.Value)).OfType<Repository>().Where(r => !r.IsEmpty).Select(Contents)]);
        }
    }

    private static RepositoryContents Contents(Repository repository) => new(
        repository.Name,
        [.. repository.Manifests.Values.OrderBy(m => m.Digest.ToString(), StringComparer.Ordinal)],
        new SortedDictionary<string, Digest>(repository.Tags, StringComparer.Ordinal),
        [.. repository.Blobs.OrderBy(d => d.ToString(), StringComparer.Ordinal)]);
}
