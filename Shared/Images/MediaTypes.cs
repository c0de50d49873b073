namespace ClusterKit.Shared.Images;

/// <summary>
/// The OCI and Docker schema 2 media types ClusterKit reads and writes: the worker's image store and its registry
/// client, and the cluster registry, name manifests, configs and layers with these.
/// </summary>
public static class MediaTypes
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public const string DockerLayer = "application/vnd.docker.image.rootfs.diff.tar";

    /// <summary>Every manifest type (image manifests and lists of them), for Accept headers and error details.</summary>
    public static readonly IReadOnlyList<string> Manifests = [OciManifest, OciIndex, DockerManifest, DockerManifestList];

    /// <summary>A manifest of one image (config and layers), as opposed to a list of manifests.</summary>
    public static bool IsManifest(string? mediaType) => mediaType is OciManifest or DockerManifest;

    public static bool IsIndex(string? mediaType) => mediaType is OciIndex or DockerManifestList;

    public static bool IsKnownManifest(string? mediaType) => IsManifest(mediaType) || IsIndex(mediaType);

    /// <summary>The media type without parameters (<c>; charset=utf-8</c>) and surrounding spaces, lowercased.</summary>
    public static string? Normalize(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return null;
        }

        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var bare = (semicolon >= 0 ? contentType[..semicolon] : contentType).Trim();
        return bare.Length == 0 ? null : bare.ToLowerInvariant();
    }
}
