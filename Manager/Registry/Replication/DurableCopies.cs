using ClusterKit.Manager.Registry.Names;

namespace ClusterKit.Manager.Registry.Replication;

/// <summary>A blob that is held by fewer managers than an acknowledgement needs.</summary>
public sealed record BlobShortfall(Digest Digest, int Held, int Needed);

/// <summary>
/// When a pushed blob is durable enough to acknowledge (pure): held by at least min(2, copies, managers) live managers,
/// so that losing any one manager loses no acknowledged image, without waiting for every manager of a large cluster.
/// </summary>
public static class DurableCopies
{
    /// <summary>How many managers must hold a blob; 0 or 1 means the committing manager's own copy is enough.</summary>
    /// <param name="managers">The managers now in the cluster (0 while this one has joined none).</param>
    /// <param name="copies">How many managers should hold each blob; null for all of them.</param>
    public static int Needed(int managers, int? copies) => Math.Min(Math.Min(2, copies ?? managers), managers);

    /// <summary>The blobs among <paramref name="digests"/> held by fewer than <see cref="Needed"/> live managers.</summary>
    /// <param name="locations">The recorded copies of (at least) these blobs.</param>
    /// <param name="members">The managers now in the cluster; copies on others do not count.</param>
    public static IReadOnlyList<BlobShortfall> Shortfalls(IEnumerable<BlobLocation> locations, IReadOnlyCollection<string> members, IEnumerable<Digest> digests, int? copies)
    {
        ArgumentNullException.ThrowIfNull(locations);
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(digests);
        var needed = Needed(members.Count, copies);
        var live = members.ToHashSet(StringComparer.Ordinal);
        var held = locations.Where(l => live.Contains(l.Member))
            .GroupBy(l => l.Digest)
            .ToDictionary(g => g.Key, g => g.Select(l => l.Member).Distinct(StringComparer.Ordinal).Count());
        return [.. digests.Distinct()
            .Select(d => new BlobShortfall(d, held.GetValueOrDefault(d), needed))
            .Where(s => s.Held < s.Needed)];
    }

    /// <summary>What a refused acknowledgement says: each blob, with how many copies exist and are needed.</summary>
    public static string Describe(IReadOnlyList<BlobShortfall> shortfalls)
    {
        ArgumentNullException.ThrowIfNull(shortfalls);
        return string.Join("; ", shortfalls.Select(s => $"blob {s.Digest} is held by {s.Held} manager{(s.Held == 1 ? "" : "s")}, {s.Needed} needed"));
    }
}
