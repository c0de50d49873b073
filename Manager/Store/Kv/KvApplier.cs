using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;

namespace ClusterKit.Manager.Store.Kv;

/// <summary>
/// Applies one <see cref="KvWrite"/> to a state, all or nothing, deterministically (the same result and state on every
/// manager). Every change of the write shares one revision, the next one, numbered by sub-revision; a write that
/// changes no key keeps the revision. A bad request throws <see cref="KvException"/> and changes nothing.
/// </summary>
internal sealed class KvApplier
{
    private static readonly KeyRecord Missing = new(0, 0, 0, 0, ByteString.Empty, 0, false);

    private readonly long _base;
    private readonly long _revision;
    private readonly List<KvEvent>? _events;
    private KvState _working;
    private int _sub;

    private KvApplier(KvState state, List<KvEvent>? events)
    {
        _working = state;
        _base = state.Revision;
        _revision = state.Revision + 1;
        _events = events;
    }

    /// <summary>Applies <paramref name="write"/>; the events of its changes (in sub-revision order) go to <paramref name="events"/>.</summary>
    public static KvWriteResult Apply(KvState state, KvWrite write, out KvState next, List<KvEvent>? events)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(write);
        var start = events?.Count ?? 0;
        try
        {
            var applier = new KvApplier(state, events);
            var result = applier.Run(write);
            next = applier._sub > 0 ? applier._working.WithRevisions(applier._revision, applier._working.CompactRevision) : applier._working;
            result.Revision = next.Revision;
            return result;
        }
        catch (KvException)
        {
            events?.RemoveRange(start, events.Count - start);
            throw;
        }
    }

    // The newest revision reads see: the txn's own once it has changed something (etcd's reads see a txn's writes).
    private long Current => _sub > 0 ? _revision : _base;

    private KvWriteResult Run(KvWrite write) => write.RequestCase switch
    {
        KvWrite.RequestOneofCase.Put => new KvWriteResult { Put = Put(write.Put) },
        KvWrite.RequestOneofCase.DeleteRange => new KvWriteResult { DeleteRange = DeleteRange(write.DeleteRange) },
        KvWrite.RequestOneofCase.Txn => new KvWriteResult { Txn = Txn(write.Txn) },
        KvWrite.RequestOneofCase.Compact => Compact(write.Compact),
        KvWrite.RequestOneofCase.LeaseGrant => new KvWriteResult { LeaseGrant = Grant(write.LeaseGrant) },
        KvWrite.RequestOneofCase.LeaseRevoke => Revoke(write.LeaseRevoke),
        _ => throw new KvException(KvErrorCode.InvalidArgument, "a kv write names no request; allowed: put, delete_range, txn, compact, lease_grant, lease_revoke"),
    };

    private KvPutResult Put(KvPut put)
    {
        KvLimits.CheckKey(put.Key);
        KvLimits.CheckValue(put.Value);
        var history = _working.History(put.Key);
        var previous = history?.Live;
        var value = put.Value;
        var lease = put.Lease;
        if (put.IgnoreValue)
        {
            value = !put.Value.IsEmpty
                ? throw new KvException(KvErrorCode.ValueProvided, "etcdserver: value is provided (put with ignore_value must not carry a value)")
                : previous?.Value ?? throw KeyNotFound(put.Key, "ignore_value");
        }

        if (put.IgnoreLease)
        {
            lease = put.Lease != 0
                ? throw new KvException(KvErrorCode.LeaseProvided, "etcdserver: lease is provided (put with ignore_lease must not name a lease)")
                : previous?.Lease ?? throw KeyNotFound(put.Key, "ignore_lease");
        }

        if (lease != 0 && _working.Lease(lease) is null)
        {
            throw KvException.LeaseNotFound(lease);
        }

        if (history?.Latest.ModRevision == _revision)
        {
            throw KvTxnChecks.Duplicate(put.Key);
        }

        var record = new KeyRecord(_revision, _sub++, previous?.CreateRevision ?? _revision, (previous?.Version ?? 0) + 1, value, lease, false);
        Record(put.Key, history, record, previous);
        return new KvPutResult { PrevKv = put.PrevKv ? previous?.ToKeyValue(put.Key) : null };
    }

    private KvDeleteRangeResult DeleteRange(KvDeleteRange request)
    {
        KvLimits.CheckKey(request.Key);
        var live = _working.KeysIn(KvKeyRange.Of(request.Key, request.RangeEnd)).Where(k => k.History.Live is not null).ToList();
        var result = new KvDeleteRangeResult { Deleted = live.Count };
        foreach (var (key, history) in live)
        {
            if (request.PrevKv)
            {
                result.PrevKvs.Add(history.Latest.ToKeyValue(key));
            }

            Delete(key, history);
        }

        return result;
    }

    private KvTxnResult Txn(KvTxn txn)
    {
        KvTxnChecks.Check(txn);

        // Every compare, nested ones too, sees the state before the txn; then the chosen ops run in order.
        var path = new Queue<bool>();
        Decide(txn, path);
        return Execute(txn, path);
    }

    private void Decide(KvTxn txn, Queue<bool> path)
    {
        var succeeded = txn.Compare.All(Holds);
        path.Enqueue(succeeded);
        foreach (var op in succeeded ? txn.Success : txn.Failure)
        {
            if (op.RequestCase == KvRequestOp.RequestOneofCase.Txn)
            {
                Decide(op.Txn, path);
            }
        }
    }

    private KvTxnResult Execute(KvTxn txn, Queue<bool> path)
    {
        var succeeded = path.Dequeue();
        var result = new KvTxnResult { Succeeded = succeeded };
        foreach (var op in succeeded ? txn.Success : txn.Failure)
        {
            result.Responses.Add(op.RequestCase switch
            {
                KvRequestOp.RequestOneofCase.Range => new KvResponseOp { Range = KvReads.Range(_working, op.Range, Current) },
                KvRequestOp.RequestOneofCase.Put => new KvResponseOp { Put = Put(op.Put) },
                KvRequestOp.RequestOneofCase.DeleteRange => new KvResponseOp { DeleteRange = DeleteRange(op.DeleteRange) },
                KvRequestOp.RequestOneofCase.Txn => new KvResponseOp { Txn = Execute(op.Txn, path) },
                _ => throw KvTxnChecks.EmptyOp(),
            });
        }

        return result;
    }

    // etcd's rule: a missing key compares as version, create and mod revision 0 and lease 0; a value compare fails.
    private bool Holds(KvCompare compare)
    {
        var any = false;
        foreach (var (_, history) in _working.KeysIn(KvKeyRange.Of(compare.Key, compare.RangeEnd)))
        {
            if (history.Live is not { } live)
            {
                continue;
            }

            any = true;
            if (!Compare(compare, live))
            {
                return false;
            }
        }

        return any || (compare.Target != KvCompareTarget.Value && Compare(compare, Missing));
    }

    private static bool Compare(KvCompare compare, KeyRecord key)
    {
        var order = compare.Target switch
        {
            KvCompareTarget.Version => key.Version.CompareTo(compare.Version),
            KvCompareTarget.Create => key.CreateRevision.CompareTo(compare.CreateRevision),
            KvCompareTarget.Mod => key.ModRevision.CompareTo(compare.ModRevision),
            KvCompareTarget.Value => KvKeyComparer.Instance.Compare(key.Value, compare.Value),
            KvCompareTarget.Lease => key.Lease.CompareTo(compare.Lease),
            _ => throw new KvException(KvErrorCode.InvalidArgument, $"compare target {compare.Target} is not one of version, create, mod, value, lease"),
        };
        return compare.Result switch
        {
            KvCompareResult.Equal => order == 0,
            KvCompareResult.Greater => order > 0,
            KvCompareResult.Less => order < 0,
            KvCompareResult.NotEqual => order != 0,
            _ => throw new KvException(KvErrorCode.InvalidArgument, $"compare result {compare.Result} is not one of equal, greater, less, not_equal"),
        };
    }

    private KvWriteResult Compact(KvCompact compact)
    {
        if (compact.Revision <= _working.CompactRevision)
        {
            throw KvException.Compacted(_working.CompactRevision);
        }

        if (compact.Revision > _working.Revision)
        {
            throw KvException.Future();
        }

        _working = KvCompaction.Compact(_working, compact.Revision);
        return new KvWriteResult();
    }

    private KvLeaseGrantResult Grant(KvLeaseGrant grant)
    {
        if (grant.Id <= 0)
        {
            throw new KvException(KvErrorCode.InvalidArgument, $"lease_grant: id {grant.Id} is not positive; the proposer chooses a free positive id when the client gives 0");
        }

        if (grant.TtlSeconds > KvLimits.MaxLeaseTtlSeconds)
        {
            throw new KvException(KvErrorCode.LeaseTtlTooLarge, $"etcdserver: too large lease TTL ({grant.TtlSeconds} s; at most {KvLimits.MaxLeaseTtlSeconds} s)");
        }

        if (_working.Lease(grant.Id) is not null)
        {
            throw new KvException(KvErrorCode.LeaseExists, $"etcdserver: lease already exists (lease {grant.Id:x})");
        }

        var ttl = Math.Max(grant.TtlSeconds, KvLimits.MinLeaseTtlSeconds);
        _working = _working.WithLease(new KvLeaseInfo(grant.Id, ttl, KvState.EmptyKeySet));
        return new KvLeaseGrantResult { Id = grant.Id, TtlSeconds = ttl };
    }

    // Every key of the lease goes in one revision, in key order.
    private KvWriteResult Revoke(KvLeaseRevoke revoke)
    {
        var lease = _working.Lease(revoke.Id) ?? throw KvException.LeaseNotFound(revoke.Id);
        foreach (var key in lease.Keys)
        {
            Delete(key, _working.History(key)!);
        }

        _working = _working.WithoutLease(revoke.Id);
        return new KvWriteResult();
    }

    private void Delete(ByteString key, KeyHistory history)
        => Record(key, history, KeyRecord.Deletion(_revision, _sub++), history.Live);

    private void Record(ByteString key, KeyHistory? history, KeyRecord record, KeyRecord? previous)
    {
        _working = _working.WithHistory(key, history is null ? KeyHistory.Of(record) : history.Append(record));
        var before = previous?.Lease ?? 0;
        if (before != record.Lease)
        {
            if (before != 0 && _working.Lease(before) is { } old)
            {
                _working = _working.WithLease(old with { Keys = old.Keys.Remove(key) });
            }

            if (record.Lease != 0 && _working.Lease(record.Lease) is { } now)
            {
                _working = _working.WithLease(now with { Keys = now.Keys.Add(key) });
            }
        }

        _events?.Add(KvEvent.Of(key, record, previous));
    }

    private static KvException KeyNotFound(ByteString key, string flag)
        => new(KvErrorCode.KeyNotFound, $"etcdserver: key not found ({flag} on {KvKeyText.Show(key)}, which does not exist)");
}
