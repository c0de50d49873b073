using System.Globalization;
using ClusterKit.Manager.Registry.Errors;

namespace ClusterKit.Manager.Registry.Http;

/// <summary>
/// One byte range of a blob GET's <c>Range: bytes=...</c> (<c>a-b</c>, <c>a-</c>, <c>-suffix</c>). As HTTP allows,
/// a header the registry does not serve as one range (other units, several ranges, bad syntax) is ignored and
/// the whole blob sent; a range that starts past the end is RANGE_INVALID (416).
/// </summary>
public readonly record struct ByteRange(long Start, long Length)
{
    public long End => Start + Length - 1;

    /// <summary>The Content-Range header of this range of a <paramref name="size"/>-byte blob.</summary>
    public string ContentRange(long size) => $"bytes {Start}-{End}/{size}";

    public static ByteRange? Parse(string? header, long size)
    {
        const string Unit = "bytes=";
        if (string.IsNullOrWhiteSpace(header) || !header.StartsWith(Unit, StringComparison.OrdinalIgnoreCase) || header.Contains(',', StringComparison.Ordinal))
        {
            return null;
        }

        var spec = header[Unit.Length..].Trim();
        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return null;
        }

        var first = spec[..dash];
        var last = spec[(dash + 1)..];
        if (first.Length == 0)
        {
            return Number(last) is { } suffix and > 0
                ? size > 0 ? new ByteRange(Math.Max(0, size - suffix), Math.Min(suffix, size)) : throw Unsatisfiable(header, size)
                : null;
        }

        if (Number(first) is not { } start)
        {
            return null;
        }

        long? end = last.Length == 0 ? long.MaxValue : Number(last);
        if (end is null || end < start)
        {
            return null;
        }

        return start >= size ? throw Unsatisfiable(header, size) : new ByteRange(start, Math.Min(end.Value, size - 1) - start + 1);
    }

    private static long? Number(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static RegistryException Unsatisfiable(string header, long size) =>
        new(RegistryErrorCode.RangeInvalid, $"Range '{header}' starts past the end of the {size}-byte blob");
}
