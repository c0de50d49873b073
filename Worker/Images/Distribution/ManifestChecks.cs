using ClusterKit.Shared.Images;
using ClusterKit.Worker.Images.Manifests;

namespace ClusterKit.Worker.Images.Distribution;

/// <summary>What a pull accepts from a registry before fetching a blob: one image manifest of known types, or an index to pick from.</summary>
internal static class ManifestChecks
{
    private static readonly HashSet<string> LayerTypes = new(StringComparer.Ordinal)
    {
        MediaTypes.OciLayer, MediaTypes.OciLayerGzip, MediaTypes.DockerLayer, MediaTypes.DockerLayerGzip,
    };

    private static readonly HashSet<string> ConfigTypes = new(StringComparer.Ordinal) { MediaTypes.OciConfig, MediaTypes.DockerConfig };

    /// <summary>Parses and checks an image manifest; the message names the repository and digest.</summary>
    public static ImageManifest Image(byte[] content, string mediaType, string where)
    {
        if (!MediaTypes.IsManifest(mediaType))
        {
            throw Invalid(where, $"media type '{mediaType}' is not an image manifest; allowed: {MediaTypes.OciManifest}, {MediaTypes.DockerManifest}");
        }

        var manifest = ImageJson.Deserialize<ImageManifest>(content, $"manifest of {where}");
        if (manifest.SchemaVersion != 2)
        {
            throw Invalid(where, $"schemaVersion {manifest.SchemaVersion}; only 2 is supported");
        }

        if (!ConfigTypes.Contains(manifest.Config.MediaType))
        {
            throw Invalid(where, $"config media type '{manifest.Config.MediaType}' is not an image config");
        }

        foreach (var descriptor in manifest.Layers.Prepend(manifest.Config))
        {
            if (!Digests.IsValid(descriptor.Digest) || descriptor.Size < 0)
            {
                throw Invalid(where, $"descriptor '{descriptor.Digest}' (size {descriptor.Size}) is not a sha256 digest with a size");
            }
        }

        var foreign = manifest.Layers.FirstOrDefault(l => !LayerTypes.Contains(l.MediaType));
        return foreign is null
            ? manifest
            : throw Invalid(where, $"layer {foreign.Digest} has media type '{foreign.MediaType}'; allowed: tar or tar+gzip layers (OCI or Docker)");
    }

    /// <summary>The entry of an index for <paramref name="os"/>/<paramref name="architecture"/>; the only entry without a platform otherwise.</summary>
    public static Descriptor Choose(byte[] content, string os, string architecture, string where)
    {
        var index = ImageJson.Deserialize<ImageIndexDocument>(content, $"index of {where}");
        var manifests = index.Manifests.Where(m => MediaTypes.IsManifest(m.MediaType)).ToList();
        var chosen = manifests.FirstOrDefault(m => m.Platform is { } p && p.Os == os && p.Architecture == architecture)
            ?? (manifests.Count == 1 && manifests[0].Platform is null ? manifests[0] : null);
        if (chosen is null)
        {
            var offered = string.Join(", ", manifests.Select(m => m.Platform is { } p ? $"{p.Os}/{p.Architecture}" : "unknown"));
            throw new ImageStoreException(ImageErrorKind.NotFound, $"{where} has no image for {os}/{architecture} (it has: {(offered.Length == 0 ? "none" : offered)})");
        }

        return Digests.IsValid(chosen.Digest) ? chosen : throw Invalid(where, $"index entry '{chosen.Digest}' is not a sha256 digest");
    }

    private static ImageStoreException Invalid(string where, string detail) =>
        new(ImageErrorKind.CorruptContent, $"MANIFEST_INVALID: {where}: {detail}");
}
