using ClusterKit.Manager.Registry.Names;

namespace ClusterKit.Manager.Registry.Metadata;

/// <summary>Registry metadata in one process's memory, behind one lock: for tests and a single manager until the Raft store holds it.</summary>
public sealed partial class InMemoryRegistryMetadata : IRegistryMetadata
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, Repository> _repositories = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<RepositoryName>> ListRepositoriesAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<RepositoryName>>([.. _repositories.Where(r => !r.Value.IsEmpty).Select(r => r.Value.Name)]);
        }
    }

    public Task<bool> RepositoryExistsAsync(RepositoryName repository, CancellationToken cancellationToken) =>
        Read(repository, r => r is { IsEmpty: false });

    public Task LinkBlobAsync(RepositoryName repository, Digest digest, CancellationToken cancellationToken) =>
        Write(repository, r => r.Blobs.Add(digest));

    public Task<bool> HasBlobAsync(RepositoryName repository, Digest digest, CancellationToken cancellationToken) =>
        Read(repository, r => r is not null && r.Blobs.Contains(digest));

    public Task<bool> UnlinkBlobAsync(RepositoryName repository, Digest digest, CancellationToken cancellationToken) =>
        Write(repository, r => r.Blobs.Remove(digest));

    public Task PutManifestAsync(RepositoryName repository, StoredManifest manifest, string? tag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return Write(repository, r =>
        {
            // As in the store: a manifest never names a blob the repository lacks (one collected meanwhile).
            if (manifest.Blobs.FirstOrDefault(b => !r.Blobs.Contains(b.Digest)) is { } missing)
            {
                throw ManifestPutRefusal.BlobRemoved(repository.Value, manifest.Digest.ToString(), missing.Digest.ToString());
            }

            r.Manifests[manifest.Digest] = manifest;
            if (tag is not null)
            {
                r.Tags[tag] = manifest.Digest;
            }

            return true;
        });
    }

    public Task<StoredManifest?> GetManifestAsync(RepositoryName repository, Digest digest, CancellationToken cancellationToken) =>
        Read(repository, r => r?.Manifests.GetValueOrDefault(digest));

    public Task<Digest?> ResolveTagAsync(RepositoryName repository, string tag, CancellationToken cancellationToken) =>
        Read(repository, r => r?.Tags.GetValueOrDefault(tag));

    public Task<IReadOnlyList<string>?> ListTagsAsync(RepositoryName repository, CancellationToken cancellationToken) =>
        Read<IReadOnlyList<string>?>(repository, r => r is { IsEmpty: false } ? [.. r.Tags.Keys] : null);

    public Task<bool> DeleteManifestAsync(RepositoryName repository, Digest digest, CancellationToken cancellationToken) =>
        Write(repository, r =>
        {
            if (!r.Manifests.Remove(digest))
            {
                return false;
            }

            foreach (var tag in r.Tags.Where(t => t.Value == digest).Select(t => t.Key).ToList())
            {
                r.Tags.Remove(tag);
            }

            return true;
        });

    public Task<bool> DeleteTagAsync(RepositoryName repository, string tag, CancellationToken cancellationToken) =>
        Write(repository, r => r.Tags.Remove(tag));

    private Task<T> Read<T>(RepositoryName repository, Func<Repository?, T> read)
    {
        ArgumentNullException.ThrowIfNull(repository);
        lock (_gate)
        {
            return Task.FromResult(read(_repositories.GetValueOrDefault(repository.Value)));
        }
    }

    private Task<bool> Write(RepositoryName repository, Func<Repository, bool> write)
    {
        ArgumentNullException.ThrowIfNull(repository);
        lock (_gate)
        {
            if (!_repositories.TryGetValue(repository.Value, out var entry))
            {
                entry = new Repository(repository);
                _repositories.Add(repository.Value, entry);
            }

            var changed = write(entry);
            if (entry.IsEmpty)
            {
                _repositories.Remove(repository.Value);
            }

            return Task.FromResult(changed);
        }
    }

    private sealed class Repository(RepositoryName name)
    {
        public RepositoryName Name { get; } = name;

        public HashSet<Digest> Blobs { get; } = [];

        public Dictionary<Digest, StoredManifest> Manifests { get; } = [];

        public SortedDictionary<string, Digest> Tags { get; } = new(StringComparer.Ordinal);

        public bool IsEmpty => Blobs.Count == 0 && Manifests.Count == 0;
    }
}
