using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;

namespace ClusterKit.Manager.Store.Kv;

/// <summary>Range reads against any <see cref="KvState"/>: serializable on a manager's copy, linearizable after a barrier.</summary>
public static class KvReads
{
    public static KvRangeResult Range(KvState state, KvRange request)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Range(state, request, state.Revision);
    }

    /// <summary>A range read where <paramref name="current"/> is the newest revision (inside a txn, the txn's own).</summary>
    internal static KvRangeResult Range(KvState state, KvRange request, long current)
    {
        ArgumentNullException.ThrowIfNull(request);
        KvLimits.CheckKey(request.Key);
        if (request.Limit < 0)
        {
            throw new KvException(KvErrorCode.InvalidArgument, $"etcdserver: limit {request.Limit} is negative; 0 (no limit) or more allowed");
        }

        var revision = CheckedRevision(state, request.Revision, current);
        var range = KvKeyRange.Of(request.Key, request.RangeEnd);
        var matched = new List<(ByteString Key, KeyRecord Record)>();
        long count = 0;
        foreach (var (key, history) in state.KeysIn(range))
        {
            var record = history.LiveAt(revision);
            if (record is null)
            {
                continue;
            }

            count++;
            if (Passes(request, record))
            {
                matched.Add((key, record));
            }
        }

        var result = new KvRangeResult { Count = count };
        if (request.CountOnly)
        {
            return result;
        }

        var take = request.Limit > 0 && matched.Count > request.Limit ? (int)request.Limit : matched.Count;
        result.More = take < matched.Count;
        foreach (var (key, record) in Sorted(matched, request.SortOrder, request.SortTarget).Take(take))
        {
            result.Kvs.Add(record.ToKeyValue(key, request.KeysOnly));
        }

        return result;
    }

    /// <summary>The revision a request asked for (0: <paramref name="current"/>), if it is still kept and not in the future.</summary>
    public static long CheckedRevision(KvState state, long asked, long current)
    {
        ArgumentNullException.ThrowIfNull(state);
        var revision = asked <= 0 ? current : asked;
        if (revision > current)
        {
            throw KvException.Future();
        }

        if (revision < state.CompactRevision)
        {
            throw KvException.Compacted(state.CompactRevision);
        }

        return revision;
    }

    private static bool Passes(KvRange r, KeyRecord k)
        => (r.MinModRevision == 0 || k.ModRevision >= r.MinModRevision)
            && (r.MaxModRevision == 0 || k.ModRevision <= r.MaxModRevision)
            && (r.MinCreateRevision == 0 || k.CreateRevision >= r.MinCreateRevision)
            && (r.MaxCreateRevision == 0 || k.CreateRevision <= r.MaxCreateRevision);

    // Keys come in key order; other orders are a stable sort (ties stay in key order), as etcd's. Sorted lazily, so
    // that a limit sorts only as far as it takes.
    private static IEnumerable<(ByteString Key, KeyRecord Record)> Sorted(List<(ByteString Key, KeyRecord Record)> kvs, KvSortOrder order, KvSortTarget target)
    {
        if (order == KvSortOrder.None && target == KvSortTarget.Key)
        {
            return kvs;
        }

        Comparison<(ByteString Key, KeyRecord Record)> compare = target switch
        {
            KvSortTarget.Version => static (a, b) => a.Record.Version.CompareTo(b.Record.Version),
            KvSortTarget.Create => static (a, b) => a.Record.CreateRevision.CompareTo(b.Record.CreateRevision),
            KvSortTarget.Mod => static (a, b) => a.Record.ModRevision.CompareTo(b.Record.ModRevision),
            KvSortTarget.Value => static (a, b) => KvKeyComparer.Instance.Compare(a.Record.Value, b.Record.Value),
            _ => static (a, b) => KvKeyComparer.Instance.Compare(a.Key, b.Key),
        };
        var comparer = Comparer<(ByteString Key, KeyRecord Record)>.Create(compare);
        return order == KvSortOrder.Descend ? kvs.OrderByDescending(kv => kv, comparer) : kvs.OrderBy(kv => kv, comparer);
    }
}
