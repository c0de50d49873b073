using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Kv;
using ClusterKit.Proto.Manager.V1;
using static ClusterKit.Manager.Tests.Store.Kv.KvOps;

namespace ClusterKit.Manager.Tests.Store.Kv;

public sealed class KvApplierTests
{
    [Fact]
    public void Revisions_versions_and_generations_follow_etcd()
    {
        var store = new MemoryStore();
        Assert.Equal(1, store.State.Kv.Revision);
        Assert.Equal(2, store.Put("a", "1").Revision);
        Assert.Equal(3, store.Put("a", "2").Revision);
        var a = store.One("a")!;
        Assert.Equal((2L, 3L, 2L), (a.CreateRevision, a.ModRevision, a.Version));

        Assert.Equal(4, store.Delete("a").Revision);
        Assert.Null(store.One("a"));
        Assert.Equal(5, store.Put("a", "3").Revision);
        a = store.One("a")!;
        Assert.Equal((5L, 5L, 1L), (a.CreateRevision, a.ModRevision, a.Version));

        // The past stays readable until compacted.
        Assert.Equal("2", store.One("a", revision: 3)!.Value.ToStringUtf8());
        Assert.Null(store.One("a", revision: 4));
        Assert.Equal("1", store.One("a", revision: 2)!.Value.ToStringUtf8());
    }

    [Fact]
    public void Writes_that_change_nothing_keep_the_revision_and_the_store_version_still_counts_them()
    {
        var store = new MemoryStore();
        store.Put("a", "1");
        var result = store.Delete("missing");
        Assert.Equal(0, result.DeleteRange.Deleted);
        Assert.Equal(2, result.Revision);
        store.Grant(7, 10);
        Assert.Equal(2, store.State.Kv.Revision);
        Assert.Equal(3UL, store.Version);
    }

    [Fact]
    public void Put_returns_the_previous_value_and_delete_range_counts_and_returns_them()
    {
        var store = new MemoryStore();
        store.Put("app/a", "1");
        Assert.Null(store.Put("app/b", "2", prevKv: true).Put.PrevKv);
        Assert.Equal("2", store.Put("app/b", "3", prevKv: true).Put.PrevKv.Value.ToStringUtf8());
        store.Put("other", "x");

        var deleted = store.Delete("app/", KvKeyRange.PrefixEnd(B("app/")).ToStringUtf8(), prevKv: true);
        Assert.Equal(2, deleted.DeleteRange.Deleted);
        Assert.Equal(["app/a", "app/b"], deleted.DeleteRange.PrevKvs.Select(k => k.Key.ToStringUtf8()));

        // One revision for both deletions, ordered by sub-revision.
        Assert.Equal(6, deleted.Revision);
        var history = store.State.Kv;
        Assert.Equal(0, history.History(B("app/a"))!.Latest.Sub);
        Assert.Equal(1, history.History(B("app/b"))!.Latest.Sub);
    }

    [Fact]
    public void Ranges_cover_single_keys_intervals_prefixes_from_key_and_all_keys()
    {
        var store = new MemoryStore();
        foreach (var k in new[] { "a", "b", "b/1", "b/2", "c", "\u00ff" })
        {
            store.Put(k, k);
        }

        string[] Keys(KvRangeResult r) => [.. r.Kvs.Select(k => k.Key.ToStringUtf8())];
        Assert.Equal(["b"], Keys(store.Get("b")));
        Assert.Equal(["b", "b/1", "b/2"], Keys(store.Get("b", "c")));
        Assert.Equal(["b/1", "b/2"], Keys(store.Get("b/", KvKeyRange.PrefixEnd(B("b/")).ToStringUtf8())));
        Assert.Equal(["c", "\u00ff"], Keys(store.Get("c", "\0")));
        Assert.Equal(6, store.Get("\0", "\0").Count);
        Assert.Empty(store.Get("c", "a").Kvs);

        var limited = KvReads.Range(store.State.Kv, new KvRange { Key = B("a"), RangeEnd = B("\0"), Limit = 2, KeysOnly = true });
        Assert.True(limited.More);
        Assert.Equal(6, limited.Count);
        Assert.Equal(["a", "b"], Keys(limited));
        Assert.True(limited.Kvs.All(k => k.Value.IsEmpty));

        var countOnly = KvReads.Range(store.State.Kv, new KvRange { Key = B("b"), RangeEnd = B("c"), CountOnly = true });
        Assert.Equal((3L, 0), (countOnly.Count, countOnly.Kvs.Count));

        var newest = KvReads.Range(store.State.Kv, new KvRange { Key = B("a"), RangeEnd = B("\0"), MinModRevision = 6, SortOrder = KvSortOrder.Descend, SortTarget = KvSortTarget.Mod });
        Assert.Equal(["\u00ff", "c"], Keys(newest));
    }

    [Fact]
    public void Txn_compares_see_missing_keys_as_zero_and_runs_all_its_ops_at_one_revision()
    {
        var store = new MemoryStore();
        var create = new KvTxn
        {
            Compare = { new KvCompare { Key = B("lock"), Target = KvCompareTarget.Create, CreateRevision = 0 } },
            Success = { PutOp("lock", "me"), PutOp("owner", "me"), RangeOp("lock") },
            Failure = { RangeOp("lock") },
        };

        var first = store.Txn(create);
        Assert.True(first.Txn.Succeeded);
        Assert.Equal(2, first.Revision);
        Assert.Equal(2, store.One("owner")!.ModRevision);

        // The range inside the txn saw the txn's own put.
        Assert.Equal("me", first.Txn.Responses[2].Range.Kvs.Single().Value.ToStringUtf8());

        var second = store.Txn(create);
        Assert.False(second.Txn.Succeeded);
        Assert.Equal(2, second.Revision);

        var missingValue = new KvTxn { Compare = { new KvCompare { Key = B("nothing"), Target = KvCompareTarget.Value, Result = KvCompareResult.NotEqual, Value = B("x") } } };
        Assert.False(store.Txn(missingValue).Txn.Succeeded);
        var version = new KvTxn { Compare = { new KvCompare { Key = B("lock"), Target = KvCompareTarget.Version, Result = KvCompareResult.Greater, Version = 0 } } };
        Assert.True(store.Txn(version).Txn.Succeeded);
    }

    [Fact]
    public void Txn_refuses_a_key_put_twice_or_put_and_deleted_and_too_many_ops()
    {
        var store = new MemoryStore();
        var twice = Assert.Throws<KvException>(() => store.Txn(new KvTxn { Success = { PutOp("k", "1"), PutOp("k", "2") } }));
        Assert.Equal(KvErrorCode.DuplicateKey, twice.Code);
        Assert.StartsWith("etcdserver: duplicate key given in txn request", twice.Message, StringComparison.Ordinal);
        Assert.Contains("\"k\"", twice.Message, StringComparison.Ordinal);

        var putAndDelete = Assert.Throws<KvException>(() => store.Txn(new KvTxn { Success = { DeleteOp("a", "z"), PutOp("k", "2") } }));
        Assert.Equal(KvErrorCode.DuplicateKey, putAndDelete.Code);

        var nested = new KvTxn { Success = { PutOp("k", "1"), new KvRequestOp { Txn = new KvTxn { Failure = { PutOp("k", "2") } } } } };
        Assert.Equal(KvErrorCode.DuplicateKey, Assert.Throws<KvException>(() => store.Txn(nested)).Code);

        // The same key in the success and failure branches is fine: only one runs.
        store.Txn(new KvTxn { Success = { PutOp("k", "1") }, Failure = { PutOp("k", "2") } });

        var many = new KvTxn();
        many.Success.AddRange(Enumerable.Range(0, KvLimits.MaxTxnOps + 1).Select(i => PutOp($"k{i}", "v")));
        var tooMany = Assert.Throws<KvException>(() => store.Txn(many));
        Assert.Equal(KvErrorCode.TooManyOps, tooMany.Code);
        Assert.Contains("success has 129; at most 128 allowed", tooMany.Message, StringComparison.Ordinal);
        Assert.Equal(2, store.State.Kv.Revision);
    }

    [Fact]
    public void Limits_on_keys_and_values_are_clear_errors_and_apply_nothing()
    {
        var store = new MemoryStore();
        Assert.Equal(KvErrorCode.EmptyKey, Assert.Throws<KvException>(() => store.Put(string.Empty, "v")).Code);
        var key = Assert.Throws<KvException>(() => store.Put(new string('k', KvLimits.MaxKeyBytes + 1), "v"));
        Assert.Equal(KvErrorCode.RequestTooLarge, key.Code);
        Assert.Contains("key has 32769 bytes, at most 32768", key.Message, StringComparison.Ordinal);
        var value = Assert.Throws<KvException>(() => store.Put("k", new string('v', KvLimits.MaxValueBytes + 1)));
        Assert.Contains("value has 1572865 bytes, at most 1572864 (1.5 MiB)", value.Message, StringComparison.Ordinal);
        store.Put("k", new string('v', KvLimits.MaxValueBytes));
        Assert.Equal(2, store.State.Kv.Revision);

        var rejected = store.Apply(new Transaction { Kv = new KvWrite { Put = new KvPut { Key = B("k"), Lease = 99 } } });
        Assert.False(rejected.IsCommitted);
        Assert.Equal(KvErrorCode.LeaseNotFound, rejected.KvFailure!.Code);
        Assert.Equal(
            "a transaction carries table mutations or one kv write, not both",
            store.Apply(new Transaction { Kv = new KvWrite(), Mutations = { new Mutation { Kind = Mutation.Types.Kind.Put, Object = new StoreObject { Kv = new KvPair { Key = "x" } } } } }).Error);
        Assert.Equal(KvErrorCode.InvalidArgument, Assert.Throws<KvException>(() => store.WriteKv(new KvWrite())).Code);
    }

    [Fact]
    public void Compaction_keeps_reads_at_and_after_it_and_refuses_earlier_or_future_revisions()
    {
        var store = new MemoryStore();
        store.Put("a", "1");   // 2
        store.Put("b", "1");   // 3
        store.Delete("b");     // 4
        store.Put("a", "2");   // 5
        store.Put("c", "1");   // 6
        var at5 = store.Get("\0", "\0", revision: 5);

        store.Compact(5);
        Assert.Equal(5, store.State.Kv.CompactRevision);
        Assert.Equal(at5, store.Get("\0", "\0", revision: 5));
        Assert.Null(store.State.Kv.History(B("b")));

        var compacted = Assert.Throws<KvException>(() => store.Get("a", revision: 4));
        Assert.Equal((KvErrorCode.Compacted, 5L), (compacted.Code, compacted.Failure.CompactRevision));
        Assert.Equal("mvcc: required revision has been compacted", compacted.Message);
        Assert.Equal(KvErrorCode.FutureRevision, Assert.Throws<KvException>(() => store.Get("a", revision: 7)).Code);
        Assert.Equal(KvErrorCode.Compacted, Assert.Throws<KvException>(() => store.Compact(5)).Code);
        Assert.Equal(KvErrorCode.FutureRevision, Assert.Throws<KvException>(() => store.Compact(9)).Code);
        Assert.Equal(6, store.State.Kv.Revision);
    }

    [Fact]
    public void Leases_attach_keys_and_a_revoke_deletes_them_at_one_revision()
    {
        var store = new MemoryStore();
        Assert.Equal(KvLimits.MinLeaseTtlSeconds, store.Grant(7, 1));
        store.Put("svc/a", "1", lease: 7);
        store.Put("svc/b", "1", lease: 7);
        store.Put("svc/b", "2");          // detached: a put without the lease
        store.Put("svc/c", "1", lease: 7);
        Assert.Equal(["svc/a", "svc/c"], store.State.Kv.Lease(7)!.Keys.Select(k => k.ToStringUtf8()));

        var revoked = store.Revoke(7);
        Assert.Equal(6, revoked.Revision);
        Assert.Equal(["svc/b"], store.Get("svc/", "svc0").Kvs.Select(k => k.Key.ToStringUtf8()));
        Assert.Null(store.State.Kv.Lease(7));

        Assert.Equal(KvErrorCode.LeaseNotFound, Assert.Throws<KvException>(() => store.Revoke(7)).Code);
        store.Grant(8, 60);
        Assert.Equal(KvErrorCode.LeaseExists, Assert.Throws<KvException>(() => store.Grant(8, 60)).Code);
        Assert.Equal(KvErrorCode.LeaseTtlTooLarge, Assert.Throws<KvException>(() => store.Grant(9, KvLimits.MaxLeaseTtlSeconds + 1)).Code);
        Assert.Equal(KvErrorCode.InvalidArgument, Assert.Throws<KvException>(() => store.Grant(0, 60)).Code);
    }

    [Fact]
    public void Ignore_value_and_ignore_lease_keep_what_the_key_has()
    {
        var store = new MemoryStore();
        store.Grant(5, 60);
        store.Put("k", "v", lease: 5);
        store.WriteKv(new KvWrite { Put = new KvPut { Key = B("k"), IgnoreValue = true, IgnoreLease = true } });
        var k = store.One("k")!;
        Assert.Equal(("v", 5L, 2L), (k.Value.ToStringUtf8(), k.Lease, k.Version));

        var missing = Assert.Throws<KvException>(() => store.WriteKv(new KvWrite { Put = new KvPut { Key = B("nope"), IgnoreValue = true } }));
        Assert.Equal(KvErrorCode.KeyNotFound, missing.Code);
        Assert.Equal(KvErrorCode.ValueProvided, Assert.Throws<KvException>(() => store.WriteKv(new KvWrite { Put = new KvPut { Key = B("k"), Value = B("x"), IgnoreValue = true } })).Code);
        Assert.Equal(KvErrorCode.LeaseProvided, Assert.Throws<KvException>(() => store.WriteKv(new KvWrite { Put = new KvPut { Key = B("k"), Lease = 5, IgnoreLease = true } })).Code);
    }
}
