using System.Globalization;

namespace ClusterKit.Shared.Parsing;

/// <summary>Human memory sizes as Docker and compose accept them: 64m, 1.5G, 512k, 20M, 1024 (bytes).</summary>
public static class MemorySize
{
    public static long Parse(string text, string what = "memory")
    {
        var value = text.Trim();
        if (value.Length == 0)
        {
            throw Invalid(text, what);
        }

        var multiplier = 1L;
        var unit = char.ToLowerInvariant(value[^1]);
        if (unit == 'b' && value.Length > 1 && char.IsLetter(value[^2]))
        {
            // "64mb", "1gb": the trailing b only restates bytes.
            value = value[..^1];
            unit = char.ToLowerInvariant(value[^1]);
        }

        switch (unit)
        {
            case 'b': value = value[..^1]; break;
            case 'k': multiplier = 1L << 10; value = value[..^1]; break;
            case 'm': multiplier = 1L << 20; value = value[..^1]; break;
            case 'g': multiplier = 1L << 30; value = value[..^1]; break;
            case 't': multiplier = 1L << 40; value = value[..^1]; break;
            default:
                if (!char.IsDigit(unit))
                {
                    throw Invalid(text, what);
                }

                break;
        }

        if (!decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number) || number < 0)
        {
            throw Invalid(text, what);
        }

        var bytes = number * multiplier;
        if (bytes > long.MaxValue)
        {
            throw Invalid(text, what);
        }

        return (long)bytes;
    }

    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.##", CultureInfo.InvariantCulture) + "GiB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0.##", CultureInfo.InvariantCulture) + "MiB",
        >= 1L << 10 => (bytes / (double)(1L << 10)).ToString("0.##", CultureInfo.InvariantCulture) + "KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + "B",
    };

    private static SpecFormatException Invalid(string text, string what) =>
        new($"invalid {what} '{text}': use a number with an optional unit b, k, m, g or t (e.g. 64m, 1.5g)");
}
