namespace ClusterKit.Manager.Scheduling.Scoring;

/// <summary>
/// Nomad's BestFit v3 as pure functions. With free fractions f in [0, 1] per resource,
/// 10^f grows steeply as a node empties, so a node that is nearly full on any resource scores
/// far apart from an empty one: bin-pack = 20 - (10^fcpu + 10^fmem) in [0, 18], spread is the mirror.
/// </summary>
public static class BestFit
{
    public const double MaxScore = 18.0;

    /// <summary>Higher for the node the task fills most.</summary>
    public static double ScoreFitBinPack(double freeCpuFraction, double freeMemoryFraction) =>
        Math.Clamp(20.0 - (Math.Pow(10.0, freeCpuFraction) + Math.Pow(10.0, freeMemoryFraction)), 0.0, MaxScore);

    /// <summary>Higher for the node the task fills least.</summary>
    public static double ScoreFitSpread(double freeCpuFraction, double freeMemoryFraction) =>
        Math.Clamp(Math.Pow(10.0, freeCpuFraction) + Math.Pow(10.0, freeMemoryFraction) - 2.0, 0.0, MaxScore);

    /// <summary>The fraction of <paramref name="reservable"/> left once <paramref name="allocated"/> is taken, in [0, 1].</summary>
    public static double FreeFraction(long reservable, long allocated) =>
        reservable <= 0 ? 0.0 : Math.Clamp(1.0 - ((double)allocated / reservable), 0.0, 1.0);
}
