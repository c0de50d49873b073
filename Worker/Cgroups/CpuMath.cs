namespace ClusterKit.Worker.Cgroups;

/// <summary>The conversions between Docker's CPU units and the kernel's files. Pure.</summary>
internal static class CpuMath
{
    /// <summary>The CFS period we always use, 100 ms as Docker does.</summary>
    public const long PeriodMicros = 100_000;

    /// <summary>The kernel's default cpu.shares (v1) and cpu.weight (v2).</summary>
    public const long DefaultShares = 1024;

    public const long DefaultWeight = 100;

    public const long MinShares = 2;

    public const long MaxShares = 262_144;

    private const long NanosPerCpu = 1_000_000_000;

    /// <summary>The CFS quota for <paramref name="nanoCpus"/> CPUs over <see cref="PeriodMicros"/>.</summary>
    public static long QuotaMicros(long nanoCpus) => nanoCpus * PeriodMicros / NanosPerCpu;

    /// <summary>cpu.shares [2, 262144] to cpu.weight [1, 10000], the mapping runc and the kernel docs use.</summary>
    public static long SharesToWeight(long shares) => 1 + ((shares - MinShares) * 9999 / (MaxShares - MinShares));
}
