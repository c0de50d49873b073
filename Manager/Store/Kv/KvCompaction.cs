using Google.Protobuf;

namespace ClusterKit.Manager.Store.Kv;

/// <summary>
/// Drops history below a revision: per key, the records at or above it stay, and the last one below it unless that
/// is a deletion (it still answers reads at the revision and gives the next event its previous value); a key left
/// with nothing goes. Reads and watches at the compact revision and later see exactly what they saw before.
/// </summary>
internal static class KvCompaction
{
    public static KvState Compact(KvState state, long revision)
    {
        var changes = new List<(ByteString Key, KeyHistory? History)>();
        foreach (var (key, history) in state.KeysIn(KvKeyRange.All))
        {
            var first = history.FirstAtOrAfter(revision);
            var keepFrom = first > 0 && !history.Records[first - 1].Tombstone ? first - 1 : first;
            if (keepFrom == 0)
            {
                continue;
            }

            changes.Add((key, keepFrom == history.Records.Count ? null : new KeyHistory(history.Records.RemoveRange(0, keepFrom))));
        }

        return state.WithHistories(changes).WithRevisions(state.Revision, revision);
    }
}
