using System.Text.Json;
using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Manifests;
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
    /// Reads a stored manifest's bytes. They passed <see cref="ManifestParser"/> when they were pushed; bytes that no
    /// longer do (a store written by hand) show as holding nothing rather than failing.
    /// </summary>
    public static ManifestContents Of(ReadOnlyMemory<byte> content, string mediaType)
    {
        ParsedManifest parsed;
        try
        {
            parsed = ManifestParser.Parse(content, mediaType);
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

        var platforms = PlatformsOf(content);
        return new ManifestContents(
            null,
            [],
            [.. parsed.References.Select((d, i) => WithManifest(i < platforms.Count ? platforms[i] : new RegistryPlatform(), Descriptor(d)))]);
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
