using System.Collections.Immutable;

namespace ClusterKit.Manager.Store.Kv;

/// <summary>The records of one key in revision order (never empty): what a read at any kept revision sees.</summary>
public sealed class KeyHistory
{
    internal KeyHistory(ImmutableList<KeyRecord> records)
    {
        Records = records;
    }

    public ImmutableList<KeyRecord> Records { get; }

    public KeyRecord Latest => Records[^1];

    /// <summary>The live value now, or null when the key's latest record is a deletion.</summary>
    public KeyRecord? Live => Latest.Tombstone ? null : Latest;

    internal static KeyHistory Of(KeyRecord first) => new([first]);

    internal KeyHistory Append(KeyRecord record) => new(Records.Add(record));

    /// <summary>The key's value at <paramref name="revision"/>, or null when it did not exist then.</summary>
    public KeyRecord? LiveAt(long revision)
    {
        var i = LastAtOrBefore(revision);
        return i < 0 || Records[i].Tombstone ? null : Records[i];
    }

    /// <summary>The index of the last record at or before <paramref name="revision"/>, -1 when none.</summary>
    public int LastAtOrBefore(long revision) => FirstAfter(revision) - 1;

    /// <summary>The index of the first record at or after <paramref name="revision"/> (Count when none).</summary>
    public int FirstAtOrAfter(long revision) => FirstAfter(revision - 1);

    private int FirstAfter(long revision)
    {
        int low = 0, high = Records.Count;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (Records[mid].ModRevision <= revision)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }
}
