using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClusterKit.Worker.Images.Configs;

/// <summary>
/// The image config blob (OCI image config, which is also Docker's). The image id is the sha256
/// of the stored bytes, so loaded configs are kept byte for byte; this model is for reading them
/// and for writing the configs of imported and committed images. Unknown fields are carried along.
/// </summary>
public sealed class ImageConfigFile
{
    [JsonPropertyName("created")]
    public string? Created { get; set; }

    [JsonPropertyName("author")]
    public string? Author { get; set; }

    [JsonPropertyName("architecture")]
    public string Architecture { get; set; } = "amd64";

    [JsonPropertyName("variant")]
    public string? Variant { get; set; }

    [JsonPropertyName("os")]
    public string Os { get; set; } = "linux";

    [JsonPropertyName("config")]
    public ContainerConfig? Config { get; set; }

    [JsonPropertyName("rootfs")]
    public RootFileSystem RootFileSystem { get; set; } = new();

    [JsonPropertyName("history")]
    public List<HistoryEntry>? History { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }

    /// <summary>The created time, when present and readable (Go writes nanoseconds; DateTimeOffset keeps 100 ns).</summary>
    [JsonIgnore]
    public DateTimeOffset? CreatedTime =>
        DateTimeOffset.TryParse(Created, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var time) ? time : null;
}

/// <summary>The runtime defaults an image gives its containers (the "config" object).</summary>
public sealed class ContainerConfig
{
    public string? User { get; set; }

    public Dictionary<string, EmptyObject>? ExposedPorts { get; set; }

    public List<string>? Env { get; set; }

    public List<string>? Entrypoint { get; set; }

    public List<string>? Cmd { get; set; }

    public Dictionary<string, EmptyObject>? Volumes { get; set; }

    public string? WorkingDir { get; set; }

    public Dictionary<string, string>? Labels { get; set; }

    public string? StopSignal { get; set; }

    public HealthcheckConfig? Healthcheck { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }

    /// <summary>A deep copy, so that a commit can change the parent's config without touching it.</summary>
    public ContainerConfig Clone() => ImageJson.Clone(this);
}

/// <summary>The health check, durations in nanoseconds as Docker stores them.</summary>
public sealed class HealthcheckConfig
{
    /// <summary>["NONE"], ["CMD", args...] or ["CMD-SHELL", command].</summary>
    public List<string>? Test { get; set; }

    public long Interval { get; set; }

    public long Timeout { get; set; }

    public long StartPeriod { get; set; }

    public long StartInterval { get; set; }

    public int Retries { get; set; }
}

public sealed class RootFileSystem
{
    [JsonPropertyName("type")]
    public string Type { get; set; } = "layers";

    [JsonPropertyName("diff_ids")]
    public List<string> DiffIds { get; set; } = [];
}

public sealed class HistoryEntry
{
    [JsonPropertyName("created")]
    public string? Created { get; set; }

    [JsonPropertyName("created_by")]
    public string? CreatedBy { get; set; }

    [JsonPropertyName("author")]
    public string? Author { get; set; }

    [JsonPropertyName("comment")]
    public string? Comment { get; set; }

    [JsonPropertyName("empty_layer")]
    public bool? EmptyLayer { get; set; }
}

/// <summary>The <c>{}</c> values of ExposedPorts and Volumes.</summary>
public sealed class EmptyObject
{
    public static EmptyObject Instance { get; } = new();
}
