using System.Globalization;

namespace ClusterKit.Worker.Cgroups;

/// <summary>Checks limits against what the kernel and Docker accept, before anything is written. Pure.</summary>
public static class ResourceLimitsValidator
{
    /// <summary>Docker refuses less: below this a container cannot even start its runtime.</summary>
    public const long MinimumMemoryBytes = 6 * 1024 * 1024;

    /// <summary>0.01 CPU: a 1 ms quota over the 100 ms period, the smallest the kernel takes.</summary>
    public const long MinimumNanoCpus = 10_000_000;

    /// <summary>Throws <see cref="InvalidResourceLimitException"/> naming the first limit out of range.</summary>
    public static void Validate(ResourceLimits limits, int processorCount)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (limits.MemoryBytes < 0 || (limits.MemoryBytes > 0 && limits.MemoryBytes < MinimumMemoryBytes))
        {
            throw new InvalidResourceLimitException(
                "memory",
                $"invalid memory limit {limits.MemoryBytes} bytes: use 0 for no limit or at least {MinimumMemoryBytes} bytes (6 MiB)");
        }

        var maximumNanoCpus = processorCount * 1_000_000_000L;
        if (limits.NanoCpus < 0 || (limits.NanoCpus > 0 && (limits.NanoCpus < MinimumNanoCpus || limits.NanoCpus > maximumNanoCpus)))
        {
            throw new InvalidResourceLimitException(
                "cpus",
                $"invalid cpus {FormatCpus(limits.NanoCpus)}: use 0 for no limit or 0.01 to {processorCount}.00, as this machine has {processorCount} CPUs");
        }

        if (limits.CpuShares < 0 || (limits.CpuShares > 0 && (limits.CpuShares < CpuMath.MinShares || limits.CpuShares > CpuMath.MaxShares)))
        {
            throw new InvalidResourceLimitException(
                "cpu-shares",
                $"invalid cpu shares {limits.CpuShares}: use 0 for the default or {CpuMath.MinShares} to {CpuMath.MaxShares}");
        }

        if (limits.PidsLimit < -1)
        {
            throw new InvalidResourceLimitException(
                "pids-limit",
                $"invalid pids limit {limits.PidsLimit}: use -1 or 0 for no limit, or a positive number of processes");
        }
    }

    private static string FormatCpus(long nanoCpus) => (nanoCpus / 1e9).ToString("0.#########", CultureInfo.InvariantCulture);
}
