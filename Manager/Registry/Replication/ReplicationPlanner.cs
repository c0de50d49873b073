using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using ClusterKit.Manager.Registry.Names;

namespace ClusterKit.Manager.Registry.Replication;

/// <summary>A blob this manager should copy, and the managers to ask for it, in the order to ask them.</summary>
public sealed record BlobCopy(Digest Digest, long Size, IReadOnlyList<string> Sources);

/// <summary>
/// Which blobs this manager lacks and should fetch, and from whom: pure, so every manager decides alone and alike.
/// With a copy count below the cluster's size, the managers that should hold a blob are its holders plus the
/// non-holders that rank first for that digest (rendezvous hashing): every manager computes the same ranking, so the
/// copies go where the ranking says without any coordination, and a manager that joins moves few of them.
/// </summary>
public static class ReplicationPlanner
{
    /// <param name="locations">Every recorded copy in the cluster.</param>
    /// <param name="members">The managers now in the cluster; copies on others neither count nor serve.</param>
    /// <param name="local">This manager.</param>
    /// <param name="copies">How many managers should hold each blob; null for all of them.</param>
    public static IReadOnlyList<BlobCopy> Plan(IEnumerable<BlobLocation> locations, IReadOnlyCollection<string> members, string local, int? copies)
    {
        ArgumentNullException.ThrowIfNull(locations);
        ArgumentNullException.ThrowIfNull(members);
        ArgumentException.ThrowIfNullOrEmpty(local);
        var live = members.ToHashSet(StringComparer.Ordinal);
        var wanted = Math.Min(copies ?? live.Count, live.Count);
        var plan = new List<BlobCopy>();
        foreach (var blob in locations.Where(l => live.Contains(l.Member)).GroupBy(l => l.Digest).OrderBy(g => g.Key.ToString(), StringComparer.Ordinal))
        {
            var holders = blob.Select(l => l.Member).ToHashSet(StringComparer.Ordinal);
            if (holders.Contains(local) || holders.Count >= wanted)
            {
                continue;
            }

            var chosen = live.Where(m => !holders.Contains(m))
                .OrderBy(m => Rank(blob.Key, m))
                .ThenBy(m => m, StringComparer.Ordinal)
                .Take(wanted - holders.Count);
            if (chosen.Contains(local))
            {
                // Sources in an order of their own per fetching manager, so that copies do not all come from one peer.
                var sources = holders.OrderBy(m => Rank(blob.Key, local + "/" + m)).ThenBy(m => m, StringComparer.Ordinal).ToList();
                plan.Add(new BlobCopy(blob.Key, blob.First().Size, sources));
            }
        }

        return plan;
    }

    /// <summary>A stable rank of a manager for a blob (the same on every manager and in every process).</summary>
    private static ulong Rank(Digest digest, string member) =>
        BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(digest + "|" + member)));
}
