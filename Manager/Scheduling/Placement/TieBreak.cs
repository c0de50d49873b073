namespace ClusterKit.Manager.Scheduling.Placement;

/// <summary>
/// A seeded, process-independent order among equally scored nodes (Nomad shuffles nodes with a
/// seed for the same reason: no node is always first, yet a run can be replayed).
/// string.GetHashCode is randomised per process, so the node id is hashed here with FNV-1a.
/// </summary>
internal static class TieBreak
{
    public static ulong For(string nodeId, ulong seed)
    {
        var h = 14695981039346656037UL;
        foreach (var c in nodeId)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        return Mix(h ^ Mix(seed));
    }

    // SplitMix64 finaliser: spreads every input bit over the output.
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
