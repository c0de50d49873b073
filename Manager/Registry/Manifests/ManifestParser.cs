using System.Text.Json;
using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Shared.Images;

namespace ClusterKit.Manager.Registry.Manifests;

/// <summary>
/// Checks a pushed manifest before the registry stores it: at most <see cref="MaxBytes"/>, JSON, schemaVersion 2,
/// a media type the registry knows that agrees with the request's Content-Type, and well-formed descriptors
/// (media type, digest, size). Every refusal is MANIFEST_INVALID with a message naming the field.
/// </summary>
public static class ManifestParser
{
    /// <summary>
    /// The largest manifest accepted: 4 MiB, the limit the OCI distribution spec says registries should at least
    /// accept (and the one the distribution registry enforces). An index of thousands of platforms fits easily.
    /// </summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = 64 };

    /// <param name="content">The manifest's bytes, exactly as pushed (the digest is taken over them).</param>
    /// <param name="contentType">The request's Content-Type, or null.</param>
    public static ParsedManifest Parse(ReadOnlyMemory<byte> content, string? contentType)
    {
        if (content.Length > MaxBytes)
        {
            throw Invalid($"the manifest is {content.Length} bytes; the limit is {MaxBytes} bytes (4 MiB)");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(content, JsonOptions);
        }
        catch (JsonException e)
        {
            throw Invalid($"the manifest is not valid JSON: {e.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Invalid($"the manifest must be a JSON object, not {Describe(root.ValueKind)}");
            }

            CheckSchemaVersion(root);
            var mediaType = MediaTypeOf(root, contentType);
            var references = new List<ManifestDescriptor>();
            if (MediaTypes.IsManifest(mediaType))
            {
                references.Add(RequiredDescriptor(root, "config", ReferenceKind.Blob));
                references.AddRange(DescriptorArray(root, "layers", ReferenceKind.Blob));
            }
            else
            {
                references.AddRange(DescriptorArray(root, "manifests", ReferenceKind.Manifest));
            }

            ManifestDescriptor? subject = root.TryGetProperty("subject", out var subjectElement) && subjectElement.ValueKind != JsonValueKind.Null
                ? Descriptor(subjectElement, "subject", ReferenceKind.Manifest)
                : null;
            return new ParsedManifest(mediaType, Digest.Of(content.Span), references, subject);
        }
    }

    private static void CheckSchemaVersion(JsonElement root)
    {
        if (!root.TryGetProperty("schemaVersion", out var version))
        {
            throw Invalid("schemaVersion is missing; it must be 2");
        }

        if (version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out var number) || number != 2)
        {
            throw Invalid($"schemaVersion is {version.GetRawText()}; it must be 2");
        }
    }

    /// <summary>
    /// The manifest's media type: its own mediaType field, which must equal a manifest Content-Type; without the
    /// field, the Content-Type, or (for a generic or absent Content-Type) what the fields show it is.
    /// </summary>
    private static string MediaTypeOf(JsonElement root, string? contentType)
    {
        var declared = MediaTypes.Normalize(contentType);
        if (declared is "application/json" or "application/octet-stream")
        {
            declared = null;
        }

        if (declared is not null && !MediaTypes.IsKnownManifest(declared))
        {
            throw Invalid($"Content-Type '{declared}' is not a manifest media type this registry accepts ({string.Join(", ", MediaTypes.Manifests)})");
        }

        string? field = null;
        if (root.TryGetProperty("mediaType", out var element))
        {
            field = element.ValueKind == JsonValueKind.String ? element.GetString() : throw Invalid("mediaType must be a string");
            if (!MediaTypes.IsKnownManifest(field!))
            {
                throw Invalid($"mediaType '{field}' is not a manifest media type this registry accepts ({string.Join(", ", MediaTypes.Manifests)})");
            }

            if (declared is not null && declared != field)
            {
                throw Invalid($"mediaType '{field}' does not match the Content-Type '{declared}'");
            }
        }

        var mediaType = field ?? declared ?? Infer(root);
        if (field is null && mediaType is MediaTypes.DockerManifest or MediaTypes.DockerManifestList)
        {
            throw Invalid($"mediaType is missing; a Docker manifest must name its own media type ({mediaType})");
        }

        return mediaType;
    }

    private static string Infer(JsonElement root) =>
        root.TryGetProperty("manifests", out _) ? MediaTypes.OciIndex
        : root.TryGetProperty("config", out _) ? MediaTypes.OciManifest
        : throw Invalid("mediaType is missing and the manifest has neither config nor manifests; send a manifest media type as Content-Type");

    private static ManifestDescriptor RequiredDescriptor(JsonElement root, string field, ReferenceKind kind) =>
        root.TryGetProperty(field, out var element) && element.ValueKind != JsonValueKind.Null
            ? Descriptor(element, field, kind)
            : throw Invalid($"{field} is missing");

    private static IEnumerable<ManifestDescriptor> DescriptorArray(JsonElement root, string field, ReferenceKind kind)
    {
        if (!root.TryGetProperty(field, out var array) || array.ValueKind == JsonValueKind.Null)
        {
            throw Invalid($"{field} is missing");
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            throw Invalid($"{field} must be an array, not {Describe(array.ValueKind)}");
        }

        var index = 0;
        var descriptors = new List<ManifestDescriptor>();
        foreach (var item in array.EnumerateArray())
        {
            descriptors.Add(Descriptor(item, $"{field}[{index}]", kind));
            index++;
        }

        return descriptors;
    }

    private static ManifestDescriptor Descriptor(JsonElement element, string field, ReferenceKind kind)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Invalid($"{field} must be an object, not {Describe(element.ValueKind)}");
        }

        var mediaType = element.TryGetProperty("mediaType", out var typeElement) && typeElement.ValueKind == JsonValueKind.String
            ? typeElement.GetString()!
            : throw Invalid($"{field}.mediaType is missing or not a string");
        if (mediaType.Length == 0)
        {
            throw Invalid($"{field}.mediaType is empty");
        }

        var digestText = element.TryGetProperty("digest", out var digestElement) && digestElement.ValueKind == JsonValueKind.String
            ? digestElement.GetString()
            : throw Invalid($"{field}.digest is missing or not a string");
        if (!Digest.TryParse(digestText, out var digest, out var digestError))
        {
            throw Invalid($"{field}.digest: {digestError}");
        }

        if (!element.TryGetProperty("size", out var sizeElement) || sizeElement.ValueKind != JsonValueKind.Number
            || !sizeElement.TryGetInt64(out var size) || size < 0)
        {
            throw Invalid($"{field}.size is missing or not a non-negative integer");
        }

        return new ManifestDescriptor(kind, field, mediaType, digest, size, MustExist: !IsNonDistributable(mediaType));
    }

    private static bool IsNonDistributable(string mediaType) =>
        mediaType.Contains(".foreign.", StringComparison.Ordinal) || mediaType.Contains(".nondistributable.", StringComparison.Ordinal);

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "an object",
    };

    private static RegistryException Invalid(string message) => new(RegistryErrorCode.ManifestInvalid, message);
}
