using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Names;

namespace ClusterKit.Manager.Registry.Metadata;

/// <summary>A cluster image pinned to the manifest its reference names now.</summary>
public sealed record ResolvedImage(RepositoryName Repository, Digest Digest, string MediaType)
{
    /// <summary>The pinned form, <c>repository@digest</c>, that every node pulls.</summary>
    public override string ToString() => $"{Repository}@{Digest}";
}

/// <summary>
/// Turns a user's image reference into the manifest digest the cluster registry holds for it (what a service is
/// pinned to when it is created, so every node runs the same bytes). A reference to another registry is refused:
/// the cluster has no way out to it.
/// </summary>
public sealed class ImageResolver(IRegistryMetadata metadata, IReadOnlyCollection<string> clusterHosts)
{
    public async Task<ResolvedImage> ResolveDigestAsync(string reference, CancellationToken cancellationToken)
    {
        var image = ImageReference.Resolve(reference, clusterHosts);
        if (image.IsForeign)
        {
            throw new RegistryException(
                RegistryErrorCode.NameUnknown,
                $"image '{reference}' is in registry {image.ForeignHost}, which the cluster does not reach; push it to the cluster registry and name it without the host");
        }

        var repository = image.Repository!;
        var digest = image.Digest ?? await metadata.ResolveTagAsync(repository, image.Tag!, cancellationToken).ConfigureAwait(false);
        var manifest = digest is null ? null : await metadata.GetManifestAsync(repository, digest, cancellationToken).ConfigureAwait(false);
        return manifest is null
            ? throw new RegistryException(RegistryErrorCode.ManifestUnknown, $"image '{reference}' ({image}) is not in the cluster registry")
            : new ResolvedImage(repository, manifest.Digest, manifest.MediaType);
    }
}
