using System.Globalization;

namespace ClusterKit.Shared.Parsing;

/// <summary>CPU amounts as decimal CPUs ("0.5", "2") converted to nano-CPUs (1e9 = one CPU).</summary>
public static class CpuQuantity
{
    public const long NanoCpusPerCpu = 1_000_000_000;

    public static long ParseNanoCpus(string text, string what = "cpus")
    {
        if (!decimal.TryParse(text.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var cpus) || cpus < 0)
        {
            throw new SpecFormatException($"invalid {what} '{text}': use a non-negative decimal number of CPUs (e.g. 0.5, 2)");
        }

        var nanos = cpus * NanoCpusPerCpu;
        if (nanos != decimal.Truncate(nanos))
        {
            throw new SpecFormatException($"invalid {what} '{text}': at most 9 decimal places");
        }

        return (long)nanos;
    }

    public static string Format(long nanoCpus) =>
        (nanoCpus / (decimal)NanoCpusPerCpu).ToString("0.#########", CultureInfo.InvariantCulture);
}
