using Google.Protobuf;

namespace ClusterKit.Manager.Store.Kv;

/// <summary>The events a range saw from a revision on, read back from the keys' histories in (revision, sub) order.</summary>
internal static class KvHistoryReader
{
    /// <summary>
    /// Events of <paramref name="range"/> from <paramref name="from"/> on, whole revisions only, stopping after the revision
    /// that reaches <paramref name="maxEvents"/>; <c>Through</c> is the last revision covered (the state's revision when
    /// nothing stopped it early). The caller checks that <paramref name="from"/> is not compacted.
    /// </summary>
    public static (List<KvEvent> Events, long Through) Read(KvState state, KvKeyRange range, long from, int maxEvents)
    {
        var queue = new PriorityQueue<(ByteString Key, KeyHistory History, int Index), (long Revision, int Sub)>();
        foreach (var (key, history) in state.KeysIn(range))
        {
            var first = history.FirstAtOrAfter(from);
            if (first < history.Records.Count)
            {
                var record = history.Records[first];
                queue.Enqueue((key, history, first), (record.ModRevision, record.Sub));
            }
        }

        var events = new List<KvEvent>();
        while (queue.TryPeek(out var next, out var at))
        {
            if (events.Count >= maxEvents && at.Revision != events[^1].Revision)
            {
                return (events, events[^1].Revision);
            }

            queue.Dequeue();
            var records = next.History.Records;
            events.Add(KvEvent.Of(next.Key, records[next.Index], next.Index > 0 ? records[next.Index - 1] : null));
            if (next.Index + 1 < records.Count)
            {
                var following = records[next.Index + 1];
                queue.Enqueue((next.Key, next.History, next.Index + 1), (following.ModRevision, following.Sub));
            }
        }

        return (events, state.Revision);
    }
}
