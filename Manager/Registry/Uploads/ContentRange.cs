using System.Globalization;
using ClusterKit.Manager.Registry.Errors;

namespace ClusterKit.Manager.Registry.Uploads;

/// <summary>
/// A chunk's place in an upload, from a PATCH's Content-Range: <c>start-end</c>, both inclusive (the form the spec
/// and Docker clients send; a leading <c>bytes </c> or <c>bytes=</c> is tolerated).
/// </summary>
public readonly record struct ContentRange(long Start, long End)
{
    public long Length => End - Start + 1;

    public static ContentRange Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var value = text.Trim();
        foreach (var prefix in (string[])["bytes=", "bytes "])
        {
            if (value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                value = value[prefix.Length..].TrimStart();
            }
        }

        var dash = value.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0
            || !long.TryParse(value.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            || !long.TryParse(value.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var end))
        {
            throw new RegistryException(RegistryErrorCode.RangeInvalid, $"Content-Range '{text}' is not start-end (two non-negative numbers)");
        }

        return end < start
            ? throw new RegistryException(RegistryErrorCode.RangeInvalid, $"Content-Range '{text}' ends before it starts")
            : new ContentRange(start, end);
    }

    /// <summary>
    /// Checks that this chunk continues an upload that holds <paramref name="offset"/> bytes, and, when the request
    /// says how long its body is, that the body is this range's length.
    /// </summary>
    public void CheckContinues(long offset, long? contentLength)
    {
        if (Start != offset)
        {
            throw new RegistryException(
                RegistryErrorCode.RangeInvalid,
                $"the chunk starts at byte {Start} but the upload holds {offset} bytes; send the chunk starting at {offset}");
        }

        if (contentLength is { } length && length != Length)
        {
            throw new RegistryException(
                RegistryErrorCode.RangeInvalid,
                $"Content-Range {Start}-{End} is {Length} bytes but Content-Length is {length}");
        }
    }

    /// <summary>The <c>Range</c> header of an upload holding <paramref name="offset"/> bytes: <c>0-(offset-1)</c>, or <c>0-0</c> when empty (as clients expect).</summary>
    public static string UploadedRange(long offset) => $"0-{Math.Max(0, offset - 1)}";
}
