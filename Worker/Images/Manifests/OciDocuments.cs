using System.Text.Json.Serialization;

namespace ClusterKit.Worker.Images.Manifests;

/// <summary>Annotation keys used in index.json.</summary>
internal static class Annotations
{
    /// <summary>OCI's name annotation; by the spec often just the tag, so both forms are read.</summary>
    public const string RefName = "org.opencontainers.image.ref.name";

    /// <summary>The full name, as containerd and Docker write it.</summary>
    public const string ImageName = "io.containerd.image.name";
}

internal sealed class Descriptor
{
    [JsonPropertyName("mediaType")]
    public string MediaType { get; set; } = string.Empty;

    [JsonPropertyName("digest")]
    public string Digest { get; set; } = string.Empty;

    [JsonPropertyName("size")]
    public long Size { get; set; }

    [JsonPropertyName("annotations")]
    public Dictionary<string, string>? Annotations { get; set; }

    [JsonPropertyName("platform")]
    public Platform? Platform { get; set; }
}

internal sealed class Platform
{
    [JsonPropertyName("architecture")]
    public string Architecture { get; set; } = string.Empty;

    [JsonPropertyName("os")]
    public string Os { get; set; } = string.Empty;

    [JsonPropertyName("variant")]
    public string? Variant { get; set; }
}

internal sealed class ImageManifest
{
    [JsonPropertyName("schemaVersion")]
    public int SchemaVersion { get; set; } = 2;

    [JsonPropertyName("mediaType")]
    public string? MediaType { get; set; }

    [JsonPropertyName("config")]
    public Descriptor Config { get; set; } = new();

    [JsonPropertyName("layers")]
    public List<Descriptor> Layers { get; set; } = [];
}

internal sealed class ImageIndexDocument
{
    [JsonPropertyName("schemaVersion")]
    public int SchemaVersion { get; set; } = 2;

    [JsonPropertyName("mediaType")]
    public string? MediaType { get; set; }

    [JsonPropertyName("manifests")]
    public List<Descriptor> Manifests { get; set; } = [];
}

/// <summary>One entry of a docker-archive's manifest.json.</summary>
internal sealed class DockerArchiveEntry
{
    public string Config { get; set; } = string.Empty;

    public List<string>? RepoTags { get; set; }

    public List<string> Layers { get; set; } = [];
}

internal sealed class OciLayoutMarker
{
    [JsonPropertyName("imageLayoutVersion")]
    public string ImageLayoutVersion { get; set; } = "1.0.0";
}
