using System.Globalization;
using System.Text.RegularExpressions;

namespace ClusterKit.Worker.Cgroups;

/// <summary>Parses the resource strings users type ("64m", "1.5g", "0.5") into bytes and nano-CPUs. Pure.</summary>
public static partial class ResourceQuantity
{
    private const string MemoryHelp = "use a number with an optional unit b, k, m, g or t (e.g. 512k, 64m, 1.5g)";

    private const string CpusHelp = "use a decimal number of CPUs such as 0.5 or 2, with at most 9 decimal places";

    /// <summary>"1024" (bytes), "512k", "64m", "1.5g", "1t"; units case-insensitive, binary (k = 1024), "kb"/"kib" also accepted.</summary>
    public static long ParseMemoryBytes(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var match = MemoryPattern().Match(text.Trim());
        if (!match.Success)
        {
            throw new InvalidResourceLimitException("memory", $"invalid memory '{text}': {MemoryHelp}");
        }

        var number = decimal.Parse(match.Groups["number"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        var unit = match.Groups["unit"].Value.ToLowerInvariant();
        decimal multiplier = unit.Length == 0 ? 1 : unit[0] switch
        {
            'b' => 1,
            'k' => 1L << 10,
            'm' => 1L << 20,
            'g' => 1L << 30,
            _ => 1L << 40,
        };

        // decimal holds 28 digits, so the product is exact up to far beyond long.MaxValue.
        var bytes = decimal.Truncate(number * multiplier);
        if (bytes > long.MaxValue)
        {
            throw new InvalidResourceLimitException("memory", $"invalid memory '{text}': larger than {long.MaxValue} bytes");
        }

        return (long)bytes;
    }

    /// <summary>"0.5", "2", "1.25" CPUs into nano-CPUs (1 CPU = 1e9).</summary>
    public static long ParseNanoCpus(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (!CpusPattern().IsMatch(trimmed))
        {
            throw new InvalidResourceLimitException("cpus", $"invalid cpus '{text}': {CpusHelp}");
        }

        var cpus = decimal.Parse(trimmed, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        var nanos = cpus * 1_000_000_000m;
        if (nanos > long.MaxValue)
        {
            throw new InvalidResourceLimitException("cpus", $"invalid cpus '{text}': far more CPUs than any machine has");
        }

        return (long)nanos;
    }

    [GeneratedRegex("^(?<number>[0-9]{1,20}(\\.[0-9]{1,9})?)(?<unit>b|[kmgt](i?b)?)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MemoryPattern();

    [GeneratedRegex("^[0-9]{1,10}(\\.[0-9]{1,9})?$", RegexOptions.CultureInvariant)]
    private static partial Regex CpusPattern();
}
