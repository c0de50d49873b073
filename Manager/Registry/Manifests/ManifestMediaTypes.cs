namespace ClusterKit.Manager.Registry.Manifests;

/// <summary>The manifest media types the registry stores, and what each one is.</summary>
public static class ManifestMediaTypes
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";

    /// <summary>Every type the registry accepts, for Accept headers and error details.</summary>
    public static readonly IReadOnlyList<string> All = [OciManifest, OciIndex, DockerManifest, DockerManifestList];

    /// <summary>A manifest of one image (config and layers), as opposed to a list of manifests.</summary>
    public static bool IsImageManifest(string mediaType) => mediaType is OciManifest or DockerManifest;

    public static bool IsIndex(string mediaType) => mediaType is OciIndex or DockerManifestList;

    public static bool IsKnown(string mediaType) => IsImageManifest(mediaType) || IsIndex(mediaType);

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
