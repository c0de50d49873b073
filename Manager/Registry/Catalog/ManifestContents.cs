using System.Text.Json;
using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Manifests;
using ClusterKit.Manager.Registry.Metadata;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Images;

namespace ClusterKit.Manager.Registry.Catalog;

/// <summary>What a stored manifest holds, for operators: config and layers of an image, platforms of an index (pure).</summary>
public sealed record ManifestContents(RegistryDescriptor? Config, IReadOnlyList<RegistryDescriptor> Layers, IReadOnlyList<RegistryPlatform> Platforms)
{
    private static readonly ManifestContents Empty = new(null, [], []);

    /// <summary>Config and layers summed (an index: 0).</summary>
    public long ImageSize => (Config?.SizeBytes ?? 0) + Layers.Sum(l => l.SizeBytes);

    /// <summary>
    /// Reads <paramref name="manifest"/>. It passed <see cref="ManifestParser"/> when it was pushed; a row that no longer
    /// does (a store written by hand) shows as holding nothing rather than failing a whole listing.
    /// </summary>
    public static ManifestContents Of(StoredManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ParsedManifest parsed;
        try
        {
            parsed = ManifestParser.Parse(manifest.Content, manifest.MediaType);
        }
        catch (RegistryException)
        {
            return Empty;
        }

        if (MediaTypes.IsManifest(parsed.MediaType))
        {
            var blobs = parsed.References.Select(Descriptor).ToList();
            return new ManifestContents(blobs[0], blobs[1..], []);
        }

        var platforms = PlatformsOf(manifest.Content);
        return new ManifestContents(
            null,
            [],
            [.. parsed.References.Select((d, i) => WithManifest(i < platforms.Count ? platforms[i] : new RegistryPlatform(), Descriptor(d)))]);
    }

    /// <summary>The blobs (configs and layers) a manifest references that the registry holds; foreign layers are not.</summary>
    public static IEnumerable<ManifestDescriptor> StoredBlobs(StoredManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        try
        {
            return ManifestParser.Parse(manifest.Content, manifest.MediaType).References.Where(d => d.Kind == ReferenceKind.Blob && d.MustExist);
        }
        catch (RegistryException)
        {
            return [];
        }
    }

    private static RegistryDescriptor Descriptor(ManifestDescriptor descriptor) =>
        new() { MediaType = descriptor.MediaType, Digest = descriptor.Digest.ToString(), SizeBytes = descriptor.Size };

    private static RegistryPlatform WithManifest(RegistryPlatform platform, RegistryDescriptor manifest)
    {
        platform.Manifest = manifest;
        return platform;
    }

    /// <summary>The <c>platform</c> of each entry of an index, in order (empty fields where an entry names none).</summary>
    private static List<RegistryPlatform> PlatformsOf(ReadOnlyMemory<byte> content)
    {
        using var document = JsonDocument.Parse(content);
        var platforms = new List<RegistryPlatform>();
        foreach (var entry in document.RootElement.GetProperty("manifests").EnumerateArray())
        {
            var platform = new RegistryPlatform();
            if (entry.TryGetProperty("platform", out var p) && p.ValueKind == JsonValueKind.Object)
            {
                platform.Os = Text(p, "os");
                platform.Architecture = Text(p, "architecture");
                platform.Variant = Text(p, "variant");
            }

            platforms.Add(platform);
        }

        return platforms;
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : string.Empty;
}
