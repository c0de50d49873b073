using ClusterKit.Manager.Registry.Metadata;
using ClusterKit.Manager.Registry.Names;

namespace ClusterKit.Manager.Registry.Manifests;

/// <summary>What a manifest points at: a blob (config or layer) or another manifest (an index's entries).</summary>
public enum ReferenceKind
{
    Blob,
    Manifest,
}

/// <summary>
/// One descriptor of a manifest. <see cref="MustExist"/> is false for layers that are not distributed through
/// registries (Docker's foreign layers, OCI's non-distributable ones), which a client fetches from their URLs.
/// </summary>
public sealed record ManifestDescriptor(ReferenceKind Kind, string Field, string MediaType, Digest Digest, long Size, bool MustExist);

/// <summary>A manifest that passed <see cref="ManifestParser"/>: its media type, digest and the descriptors it holds.</summary>
public sealed record ParsedManifest(string MediaType, Digest Digest, IReadOnlyList<ManifestDescriptor> References, ManifestDescriptor? Subject)
{
    /// <summary>The blobs (configs and layers) it references that the registry holds; foreign layers are not.</summary>
    public IEnumerable<ManifestDescriptor> StoredBlobs => References.Where(d => d.Kind == ReferenceKind.Blob && d.MustExist);

    /// <summary>Its metadata as the registry stores it, under <paramref name="digest"/> (the URL's, when it named one).</summary>
    public StoredManifest ToStored(Digest digest, long size) =>
        new(digest, MediaType, size, [.. References.Select(r => r.Digest)])
        {
            Subject = Subject?.Digest,
            Blobs = [.. StoredBlobs.Select(b => new ManifestBlob(b.Digest, b.Size))],
        };
}
