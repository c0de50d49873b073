using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;

namespace ClusterKit.Manager.Store.Kv;

/// <summary>The key-value section of a store snapshot: keys in byte order, records in revision order, leases by id.</summary>
internal static class KvSnapshots
{
    public static KvStateSnapshot Capture(KvState state)
    {
        var snapshot = new KvStateSnapshot { Revision = state.Revision, CompactRevision = state.CompactRevision };
        foreach (var (key, history) in state.KeysIn(KvKeyRange.All))
        {
            var keyHistory = new KvKeyHistory { Key = key };
            keyHistory.Records.AddRange(history.Records.Select(r => r.ToSnapshot()));
            snapshot.Keys.Add(keyHistory);
        }

        snapshot.Leases.AddRange(state.Leases.Select(l => new KvLease { Id = l.Id, TtlSeconds = l.TtlSeconds }));
        return snapshot;
    }

    /// <summary>The state a snapshot describes (an empty store when it has none); the keys of each lease are rebuilt from the keys.</summary>
    public static KvState ToState(KvStateSnapshot? snapshot)
    {
        if (snapshot is null)
        {
            return KvState.Empty;
        }

        string Where(string what) => $"snapshot of the key-value store at revision {snapshot.Revision}: {what}";

        // Shown only when a key is refused: a snapshot's load does not describe every key it loads.
        string AtKey(ByteString key, string what) => Where($"{KvKeyText.Show(key)} {what}");

        if (snapshot.Revision < 1 || snapshot.CompactRevision < 0 || snapshot.CompactRevision > snapshot.Revision)
        {
            throw new InvalidStoreObjectException(Where($"compact revision {snapshot.CompactRevision} must lie in 0..{snapshot.Revision}, and the revision be at least 1"));
        }

        var leaseKeys = snapshot.Leases.ToDictionary(l => l.Id, _ => KvState.EmptyKeySet.ToBuilder());
        var keys = new List<(ByteString, KeyHistory)>(snapshot.Keys.Count);
        ByteString? last = null;
        foreach (var key in snapshot.Keys)
        {
            if (key.Key.IsEmpty || (last is not null && KvKeyComparer.Instance.Compare(last, key.Key) >= 0))
            {
                throw new InvalidStoreObjectException(AtKey(key.Key, "is empty or out of byte order"));
            }

            if (key.Records.Count == 0)
            {
                throw new InvalidStoreObjectException(AtKey(key.Key, "has no records"));
            }

            long previous = 0;
            foreach (var record in key.Records)
            {
                if (record.ModRevision <= previous || record.ModRevision > snapshot.Revision)
                {
                    throw new InvalidStoreObjectException(AtKey(key.Key, $"has a record at revision {record.ModRevision}, out of order or after the snapshot"));
                }

                previous = record.ModRevision;
            }

            var history = new KeyHistory([.. key.Records.Select(KeyRecord.FromSnapshot)]);
            if (history.Live is { Lease: not 0 } live)
            {
                if (!leaseKeys.TryGetValue(live.Lease, out var attached))
                {
                    throw new InvalidStoreObjectException(AtKey(key.Key, $"is attached to lease {live.Lease:x}, which the snapshot does not hold"));
                }

                attached.Add(key.Key);
            }

            keys.Add((key.Key, history));
            last = key.Key;
        }

        return KvState.Build(
            snapshot.Revision,
            snapshot.CompactRevision,
            keys,
            snapshot.Leases.Select(l => new KvLeaseInfo(l.Id, l.TtlSeconds, leaseKeys[l.Id].ToImmutable())));
    }
}
