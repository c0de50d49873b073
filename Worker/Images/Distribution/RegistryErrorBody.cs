using System.Net;
using System.Text;
using System.Text.Json;
using ClusterKit.Shared.Remote;

namespace ClusterKit.Worker.Images.Distribution;

/// <summary>Turns a failed response (status and body) into one <see cref="RegistryException"/>.</summary>
internal static class RegistryErrorBody
{
    /// <summary>The most of an error body read; the spec's bodies are a few hundred bytes.</summary>
    public const int MaxBytes = 64 << 10;

    /// <summary>Parses <c>{"errors":[{"code","message","detail"}]}</c>; anything else yields an empty list.</summary>
    public static IReadOnlyList<RegistryError> Parse(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return [];
        }

        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("errors", out var errors)
                || errors.ValueKind != JsonValueKind.Array)
            {
                return [];
            }

            var result = new List<RegistryError>();
            foreach (var error in errors.EnumerateArray())
            {
                if (error.ValueKind == JsonValueKind.Object)
                {
                    result.Add(new RegistryError(Text(error, "code") ?? "UNKNOWN", Text(error, "message") ?? string.Empty));
                }
            }

            return result;
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary>
    /// "registry 127.0.0.1:5000: BLOB_UNKNOWN (blob unknown to registry) on GET blob, repository team/app,
    /// digest sha256:… (HTTP 404)". A body that is not the spec's shows as its first line instead of codes.
    /// </summary>
    public static RegistryException ToException(string registry, string operation, HttpStatusCode status, ReadOnlySpan<byte> body, string? repository, string? digest)
    {
        var errors = Parse(body);
        string what;
        if (errors.Count > 0)
        {
            what = string.Join("; ", errors.Select(e => e.Message.Length > 0 ? $"{Printable(e.Code)} ({Printable(e.Message)})" : Printable(e.Code)));
        }
        else
        {
            var text = Encoding.UTF8.GetString(body).Trim();
            var firstLine = text.Split('\n', 2)[0].Trim();
            what = firstLine.Length == 0 ? "no error body" : Printable(firstLine);
        }

        return new RegistryException($"registry {registry}: {what} on {operation}{Where(repository, digest)} (HTTP {(int)status})", status, errors);
    }

    /// <summary>
    /// The registry's own words as they may be shown on an operator's terminal: escaped (no ANSI escapes or newlines
    /// from a hostile registry) and cut at <see cref="MaxTextLength"/> characters.
    /// </summary>
    private static string Printable(string text) => RemoteText.Escape(text.Length > MaxTextLength ? text[..MaxTextLength] + "…" : text);

    /// <summary>How much of one code, message or first line of a body an error quotes.</summary>
    public const int MaxTextLength = 200;

    /// <summary>", repository x, digest y" for what is known.</summary>
    public static string Where(string? repository, string? digest) =>
        (repository is null ? string.Empty : ", repository " + repository) + (digest is null ? string.Empty : ", digest " + digest);

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
