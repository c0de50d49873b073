using ClusterKit.Worker.Images.Configs;

namespace ClusterKit.Worker.Images;

/// <summary>
/// The worker's image store: what <c>ck image ...</c> and <c>ck container commit</c> reach through the
/// daemon, and what the runtime asks for an image's layers and config. Every operation either
/// completes or leaves the store as it was (no partial blobs, layers or name changes).
/// References are <c>name[:tag][@sha256:digest]</c>, a full image id (sha256:hex or 64 hex digits)
/// or a unique id prefix.
/// </summary>
public interface IImageStore
{
    /// <summary>Creates a one-layer image from a rootfs tar, tar.gz or directory.</summary>
    Task<ImageDetails> ImportAsync(ImportRequest request, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<ImageDetails>> ListAsync(CancellationToken cancellationToken = default);

    Task<ImageDetails> InspectAsync(string reference, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes a name, or the image with its blobs and layers when nothing else names it.
    /// <paramref name="containerUsingImage"/> returns the id of a container that uses the image id, or null.
    /// </summary>
    Task<ImageRemoval> RemoveAsync(string reference, bool force, Func<string, string?> containerUsingImage, CancellationToken cancellationToken = default);

    /// <summary>Points <paramref name="target"/> at the image <paramref name="source"/> names (moving it if it named another).</summary>
    Task<ImageDetails> TagAsync(string source, string target, CancellationToken cancellationToken = default);

    /// <summary>Writes the images to a tar; returns its size in bytes.</summary>
    Task<long> SaveAsync(IReadOnlyList<string> references, string outputPath, ArchiveFormat format, CancellationToken cancellationToken = default);

    /// <summary>Loads a docker-save tar (old or new style) or an OCI layout tar, gzip or not; returns the names (or ids) loaded.</summary>
    Task<IReadOnlyList<string>> LoadAsync(string inputPath, CancellationToken cancellationToken = default);

    /// <summary>Creates an image from a container: the parent's layers plus one layer made from the overlay upper dir.</summary>
    Task<ImageDetails> CommitAsync(CommitRequest request, CancellationToken cancellationToken = default);

    /// <summary>The unpacked layer directories of an image, top layer first (overlayfs lowerdir order).</summary>
    Task<IReadOnlyList<string>> GetLayerDirectoriesAsync(string imageId, CancellationToken cancellationToken = default);

    /// <summary>The image's config (Env, Cmd, Entrypoint, Healthcheck ...).</summary>
    Task<ImageConfigFile> ResolveConfigAsync(string imageId, CancellationToken cancellationToken = default);
}

public sealed record ImportRequest(string SourcePath, string? Reference, IReadOnlyList<string> Changes, string? Message);

/// <summary>
/// A commit. <see cref="ContainerConfig"/> is the config the container ran with (it replaces the
/// parent's, as in Docker); <see cref="Changes"/> are applied after it.
/// </summary>
public sealed record CommitRequest(string UpperDirectory, string ParentImageId, string? Reference, IReadOnlyList<string> Changes, string? Comment)
{
    public string? Author { get; init; }

    public ContainerConfig? ContainerConfig { get; init; }
}

/// <summary>An image as inspect and ls show it (the proto's ImageInfo).</summary>
public sealed record ImageDetails(
    string Id,
    IReadOnlyList<string> References,
    string ManifestDigest,
    long Size,
    DateTimeOffset? Created,
    string Os,
    string Architecture,
    ContainerConfig Config,
    IReadOnlyList<string> LayerDiffIds);

/// <summary>What a removal did: names taken off, then image ids and layer diff ids deleted.</summary>
public sealed record ImageRemoval(IReadOnlyList<string> Untagged, IReadOnlyList<string> Deleted);

public enum ArchiveFormat
{
    /// <summary>docker-archive (manifest.json, repositories) that is also an OCI layout, as Docker 25+ writes.</summary>
    Docker,

    /// <summary>A plain OCI image layout (oci-layout, index.json, blobs/).</summary>
    Oci,
}

public static class ArchiveFormats
{
    /// <summary>"docker" (also the default for empty) or "oci".</summary>
    public static ArchiveFormat Parse(string? text) => text?.ToLowerInvariant() switch
    {
        null or "" or "docker" or "docker-archive" => ArchiveFormat.Docker,
        "oci" or "oci-archive" => ArchiveFormat.Oci,
        _ => throw new ImageStoreException(ImageErrorKind.InvalidArgument, $"invalid archive format '{text}': allowed: docker, oci"),
    };
}
