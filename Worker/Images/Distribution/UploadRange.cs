using System.Globalization;

namespace ClusterKit.Worker.Images.Distribution;

/// <summary>
/// The byte ranges of a chunked upload. The registry reports what it holds as "Range: 0-&lt;last&gt;"
/// (inclusive); a client sends each chunk as "Content-Range: &lt;first&gt;-&lt;last&gt;".
/// "0-0" means nothing or one byte, so it counts as nothing (the upload starts again from 0).
/// </summary>
internal static class UploadRange
{
    /// <summary>The number of bytes the registry holds, from its Range header; null when the header is missing or malformed.</summary>
    public static long? ParseOffset(string? range)
    {
        if (string.IsNullOrWhiteSpace(range))
        {
            return null;
        }

        var text = range.Trim();
        if (text.StartsWith("bytes=", StringComparison.Ordinal))
        {
            text = text["bytes=".Length..];
        }

        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0
            || !long.TryParse(text.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            || !long.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            || first != 0 || last < first)
        {
            return null;
        }

        return last == 0 ? 0 : last + 1;
    }

    /// <summary>The Content-Range of a chunk of <paramref name="length"/> bytes (at least one) starting at <paramref name="offset"/>.</summary>
    public static string ContentRange(long offset, long length) =>
        length > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{offset}-{offset + length - 1}")
            : throw new ArgumentOutOfRangeException(nameof(length), length, "a chunk holds at least one byte");
}
