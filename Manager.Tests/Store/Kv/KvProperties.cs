using System.Globalization;
using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Kv;
using ClusterKit.Proto.Manager.V1;
using FsCheck.Xunit;
using Google.Protobuf;
using static ClusterKit.Manager.Tests.Store.Kv.KvOps;

namespace ClusterKit.Manager.Tests.Store.Kv;

/// <summary>
/// Random sequences of puts, deletes (single and prefix), txns, lease grants and revokes and compactions over a small
/// key space, checked against what was seen while they ran and against a plain model of create revisions and versions.
/// </summary>
public sealed class KvProperties
{
    private static readonly string[] Keys = ["a", "a/1", "a/2", "b", "c"];

    [Property(MaxTest = 200)]
    public void History_reads_versions_compaction_watches_and_snapshots_agree_with_what_happened(int[] codes)
    {
        var store = new MemoryStore(new KvWatchHub(KvState.Empty, maxQueued: 3, maxEventsPerResponse: 4));
        using var live = store.KvWatches.Watch(new KvWatchRequest(B("\0"), B("\0"), StartRevision: 1, PrevKv: true));
        var seen = new Dictionary<long, KvRangeResult> { [1] = AllAt(store, 0) };
        var model = new Dictionary<string, (long Create, long Version)>();
        var events = new List<KvEvent>();
        var watched = new List<KvEvent>();
        var canceled = false;
        var revision = 1L;
        foreach (var code in codes.Select(Spread))
        {
            var before = store.State.Kv;
            var outcome = Run(store, code);
            var after = store.State.Kv;
            Assert.True(after.Revision == before.Revision || after.Revision == before.Revision + 1, "a write moves the revision by one at most");
            if (after.Revision != revision)
            {
                revision = after.Revision;
                seen[revision] = AllAt(store, 0);
                UpdateModel(model, before, after, revision);
                events.AddRange(outcome);
            }

            // Read now and then: the watcher's queue (3 responses) overflows, so it also catches up from history.
            if (((code >> 18) & 1) == 0 && !canceled)
            {
                canceled = DrainInto(live, watched);
            }

            foreach (var kv in AllAt(store, 0).Kvs)
            {
                var expected = model[kv.Key.ToStringUtf8()];
                Assert.Equal(expected, (kv.CreateRevision, kv.Version));
            }
        }

        // Every kept revision reads as it did when it was current; older ones are refused as compacted.
        var compact = store.State.Kv.CompactRevision;
        foreach (var (rev, result) in seen)
        {
            if (rev >= compact)
            {
                Assert.Equal(result, AllAt(store, rev));
            }
            else
            {
                Assert.Equal(KvErrorCode.Compacted, Assert.Throws<KvException>(() => AllAt(store, rev)).Code);
            }
        }

        // The live watcher saw every event once, in (revision, sub) order, whatever compaction did to its catch-up.
        if (!canceled && !DrainInto(live, watched))
        {
            Assert.Equal(Describe(events), Describe(watched));
        }

        // A watcher resuming at any revision since the compaction sees exactly the events from there on.
        var from = Math.Max(compact, 1) + (codes.Length % 3);
        using var resumed = store.KvWatches.Watch(new KvWatchRequest(B("\0"), B("\0"), StartRevision: from, PrevKv: true));
        var resumedEvents = new List<KvEvent>();
        Assert.False(DrainInto(resumed, resumedEvents));
        Assert.Equal(Describe(events.Where(e => e.Revision >= from)), Describe(resumedEvents));

        // Snapshots restore the same reads and write the same bytes.
        var restored = new MemoryStore();
        restored.Restore(store.CreateSnapshot());
        Assert.Equal(store.CreateSnapshot().ToByteArray(), restored.CreateSnapshot().ToByteArray());
        foreach (var rev in seen.Keys.Where(r => r >= compact))
        {
            Assert.Equal(seen[rev], AllAt(restored, rev));
        }
    }

    // FsCheck's ints are small: spread their bits so that every field below varies.
    private static uint Spread(int code)
    {
        var h = (uint)code;
        h ^= h >> 16;
        h *= 0x85ebca6bu;
        h ^= h >> 13;
        h *= 0xc2b2ae35u;
        return h ^ (h >> 16);
    }

    private static KvRangeResult AllAt(MemoryStore store, long revision)
        => KvReads.Range(store.State.Kv, new KvRange { Key = B("\0"), RangeEnd = B("\0"), Revision = revision });

    // Returns whether the watcher was cancelled.
    private static bool DrainInto(KvWatcher watcher, List<KvEvent> events)
    {
        while (watcher.TryRead() is { } response)
        {
            if (response.Canceled)
            {
                return true;
            }

            Assert.True(events.Count == 0 || response.Events[0].Revision > events[^1].Revision, "a revision is never split or repeated");
            events.AddRange(response.Events);
        }

        return false;
    }

    private static List<string> Describe(IEnumerable<KvEvent> events)
        => [.. events.Select(e => $"{e.Type} {e.Key.ToStringUtf8()}@{e.Revision}.{e.Record.Sub} v{e.Record.Version} {e.Record.Value.ToStringUtf8()} prev={e.Previous?.ModRevision}")];

    // A plain model: a put of a live key bumps its version, otherwise starts it at 1 with create = revision.
    private static void UpdateModel(Dictionary<string, (long Create, long Version)> model, KvState before, KvState after, long revision)
    {
        foreach (var key in Keys)
        {
            var history = after.History(B(key));
            if (history?.Latest.ModRevision != revision)
            {
                continue;
            }

            if (history.Latest.Tombstone)
            {
                model.Remove(key);
            }
            else
            {
                model[key] = before.History(B(key))?.Live is not null && model.TryGetValue(key, out var m) ? (m.Create, m.Version + 1) : (revision, 1);
            }
        }
    }

    private static IReadOnlyList<KvEvent> Run(MemoryStore store, uint code)
    {
        var key = Keys[(code >> 4) % (uint)Keys.Length];
        var other = Keys[(code >> 8) % (uint)Keys.Length];
        var value = ((code >> 12) % 4).ToString(CultureInfo.InvariantCulture);
        var lease = (long)((code >> 14) % 3);
        var write = (code % 8) switch
        {
            0 or 1 => new KvWrite { Put = new KvPut { Key = B(key), Value = B(value), Lease = lease } },
            2 => new KvWrite { DeleteRange = new KvDeleteRange { Key = B(key) } },
            3 => new KvWrite { DeleteRange = new KvDeleteRange { Key = B(key), RangeEnd = KvKeyRange.PrefixEnd(B(key)) } },
            4 => new KvWrite
            {
                Txn = new KvTxn
                {
                    Compare = { new KvCompare { Key = B(key), Target = KvCompareTarget.Version, Result = KvCompareResult.Greater, Version = 1 } },
                    Success = { PutOp(other, value), RangeOp(key) },
                    Failure = { PutOp(key, value), DeleteOp(other == key ? "zz" : other) },
                },
            },
            5 => new KvWrite { LeaseGrant = new KvLeaseGrant { Id = Math.Max(lease, 1), TtlSeconds = 5 } },
            6 => new KvWrite { LeaseRevoke = new KvLeaseRevoke { Id = Math.Max(lease, 1) } },
            _ => new KvWrite { Compact = new KvCompact { Revision = store.State.Kv.Revision - ((code >> 16) % 3) } },
        };

        var result = store.Apply(new Transaction { Kv = write });
        if (result.KvFailure is { } failure)
        {
            // Only the failures this generator can provoke, each leaving the store as it was.
            Assert.Contains(failure.Code, new[] { KvErrorCode.LeaseNotFound, KvErrorCode.LeaseExists, KvErrorCode.Compacted, KvErrorCode.DuplicateKey });
            return [];
        }

        var history = store.State.Kv;
        return [.. Keys.Select(k => (Key: k, History: history.History(B(k))))
            .Where(k => k.History?.Latest.ModRevision == history.Revision)
            .Select(k => KvEvent.Of(B(k.Key), k.History!.Latest, k.History.Records.Count > 1 ? k.History.Records[^2] : null))
            .OrderBy(e => e.Record.Sub)];
    }
}
