using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClusterKit.Worker.Images;

/// <summary>One set of JSON options for every document the store reads and writes.</summary>
internal static class ImageJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,

        // A null where the format requires a value (manifest.json's "Layers": null) is refused at
        // the parse, naming the field, instead of failing later as a null reference.
        RespectNullableAnnotations = true,
    };

    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    /// <summary>Parses untrusted JSON; <paramref name="what"/> names the document in the error.</summary>
    public static T Deserialize<T>(ReadOnlySpan<byte> json, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options)
                ?? throw new ImageStoreException(ImageErrorKind.CorruptContent, $"{what} is empty (null JSON)");
        }
        catch (JsonException ex)
        {
            throw new ImageStoreException(ImageErrorKind.CorruptContent, $"{what} is malformed: {ex.Message}", ex);
        }
    }

    public static T Clone<T>(T value) => JsonSerializer.Deserialize<T>(JsonSerializer.SerializeToUtf8Bytes(value, Options), Options)!;
}
