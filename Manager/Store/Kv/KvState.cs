using System.Collections.Immutable;
using Google.Protobuf;

namespace ClusterKit.Manager.Store.Kv;

/// <summary>A lease: its granted TTL and the keys attached to it now.</summary>
public sealed record KvLeaseInfo(long Id, long TtlSeconds, ImmutableSortedSet<ByteString> Keys);

/// <summary>
/// One immutable version of the key-value store (ADR 0017): its revision, the compact revision, every key's history
/// and the leases. Changes return a new version sharing what they did not touch.
/// </summary>
public sealed class KvState
{
    private static readonly ImmutableSortedSet<ByteString> NoKeys = ImmutableSortedSet.Create<ByteString>(KvKeyComparer.Instance);

    private readonly ImmutableSortedSet<ByteString> _order;
    private readonly ImmutableDictionary<ByteString, KeyHistory> _keys;
    private readonly ImmutableSortedDictionary<long, KvLeaseInfo> _leases;

    private KvState(
        long revision,
        long compactRevision,
        ImmutableSortedSet<ByteString> order,
        ImmutableDictionary<ByteString, KeyHistory> keys,
        ImmutableSortedDictionary<long, KvLeaseInfo> leases)
    {
        Revision = revision;
        CompactRevision = compactRevision;
        _order = order;
        _keys = keys;
        _leases = leases;
    }

    /// <summary>An empty store is at revision 1, as etcd's is; its first write makes revision 2.</summary>
    public static KvState Empty { get; } = new(1, 0, NoKeys, ImmutableDictionary<ByteString, KeyHistory>.Empty, ImmutableSortedDictionary<long, KvLeaseInfo>.Empty);

    /// <summary>The revision of the last write that changed a key.</summary>
    public long Revision { get; }

    /// <summary>Reads and watches below this revision are refused (0: never compacted).</summary>
    public long CompactRevision { get; }

    /// <summary>Keys with any kept history (deleted ones included until compacted away).</summary>
    public int KeyCount => _order.Count;

    public IEnumerable<KvLeaseInfo> Leases => _leases.Values;

    public KvLeaseInfo? Lease(long id) => _leases.GetValueOrDefault(id);

    public KeyHistory? History(ByteString key) => _keys.GetValueOrDefault(key);

    /// <summary>The keys of <paramref name="range"/> that have history, in key order.</summary>
    public IEnumerable<(ByteString Key, KeyHistory History)> KeysIn(KvKeyRange range)
    {
        if (range.IsSingle)
        {
            if (_keys.TryGetValue(range.Key, out var one))
            {
                yield return (range.Key, one);
            }

            yield break;
        }

        var i = _order.IndexOf(range.Key);
        for (i = i < 0 ? ~i : i; i < _order.Count; i++)
        {
            var key = _order[i];
            if (range.IsPast(key))
            {
                yield break;
            }

            yield return (key, _keys[key]);
        }
    }

    internal static KvState Build(long revision, long compactRevision, IEnumerable<(ByteString Key, KeyHistory History)> keys, IEnumerable<KvLeaseInfo> leases)
    {
        var order = NoKeys.ToBuilder();
        var map = ImmutableDictionary.CreateBuilder<ByteString, KeyHistory>();
        foreach (var (key, history) in keys)
        {
            order.Add(key);
            map.Add(key, history);
        }

        var leaseMap = ImmutableSortedDictionary.CreateBuilder<long, KvLeaseInfo>();
        foreach (var lease in leases)
        {
            leaseMap.Add(lease.Id, lease);
        }

        return new KvState(revision, compactRevision, order.ToImmutable(), map.ToImmutable(), leaseMap.ToImmutable());
    }

    internal static ImmutableSortedSet<ByteString> EmptyKeySet => NoKeys;

    internal KvState WithHistory(ByteString key, KeyHistory history)
        => new(Revision, CompactRevision, _keys.ContainsKey(key) ? _order : _order.Add(key), _keys.SetItem(key, history), _leases);

    /// <summary>
    /// Many keys' histories replaced at once (null: the key goes), each index copied once rather than once per key.
    /// </summary>
    internal KvState WithHistories(IReadOnlyList<(ByteString Key, KeyHistory? History)> changes)
    {
        if (changes.Count == 0)
        {
            return this;
        }

        var order = _order.ToBuilder();
        var keys = _keys.ToBuilder();
        foreach (var (key, history) in changes)
        {
            if (history is null)
            {
                order.Remove(key);
                keys.Remove(key);
            }
            else
            {
                order.Add(key);
                keys[key] = history;
            }
        }

        return new(Revision, CompactRevision, order.ToImmutable(), keys.ToImmutable(), _leases);
    }

    internal KvState WithLease(KvLeaseInfo lease) => new(Revision, CompactRevision, _order, _keys, _leases.SetItem(lease.Id, lease));

    internal KvState WithoutLease(long id) => new(Revision, CompactRevision, _order, _keys, _leases.Remove(id));

    internal KvState WithRevisions(long revision, long compactRevision) => new(revision, compactRevision, _order, _keys, _leases);
}
