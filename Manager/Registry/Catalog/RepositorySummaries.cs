using ClusterKit.Manager.Registry.Metadata;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Registry.Catalog;

/// <summary>One line of <c>ck registry ls</c> from a repository's contents (pure).</summary>
public static class RepositorySummaries
{
    /// <summary>
    /// Counts tags and manifests, and sums the distinct blobs (configs and layers) the manifests reference, each once
    /// however many manifests share it, by the size their descriptors give. Manifest bytes themselves are not counted.
    /// </summary>
    public static RegistryRepositorySummary Of(RepositoryContents contents)
    {
        ArgumentNullException.ThrowIfNull(contents);
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var blob in contents.Manifests.SelectMany(m => m.Blobs))
        {
            sizes.TryAdd(blob.Digest.ToString(), blob.Size);
        }

        return new RegistryRepositorySummary
        {
            Name = contents.Name.Value,
            Tags = contents.Tags.Count,
            Manifests = contents.Manifests.Count,
            SizeBytes = sizes.Values.Sum(),
        };
    }
}
