using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Kv;
using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;
using static ClusterKit.Manager.Tests.Store.Kv.KvOps;

namespace ClusterKit.Manager.Tests.Store.Kv;

public sealed class KvSnapshotsTests
{
    [Fact]
    public void Writes_through_the_store_survive_a_snapshot_and_restore_with_their_history_and_leases()
    {
        var store = new MemoryStore();
        store.Update(tx => tx.Put(new Service { Id = "s1" }));
        store.Grant(3, 60);
        store.Put("a", "1");               // 2
        store.Put("b", "1", lease: 3);     // 3
        store.Put("a", "2");               // 4
        store.Delete("a");                 // 5
        store.Put("c", "1");               // 6
        store.Compact(3);

        // The proto round trip is what Raft ships to a lagging follower.
        var bytes = store.CreateSnapshot().ToByteArray();
        var restored = new MemoryStore();
        restored.Restore(StoreSnapshot.Parser.ParseFrom(bytes));
        Assert.Equal(bytes, restored.CreateSnapshot().ToByteArray());
        Assert.Equal(store.Version, restored.Version);
        for (var rev = 3; rev <= 6; rev++)
        {
            Assert.Equal(store.Get("\0", "\0", revision: rev), restored.Get("\0", "\0", revision: rev));
        }

        Assert.Equal(KvErrorCode.Compacted, Assert.Throws<KvException>(() => restored.Get("a", revision: 2)).Code);
        Assert.Equal("b", Assert.Single(restored.State.Kv.Lease(3)!.Keys).ToStringUtf8());
        Assert.NotNull(restored.View(tx => tx.Get<Service>("s1")));

        // Both go on alike.
        Assert.Equal(store.Revoke(3), restored.Revoke(3));
        Assert.Equal(store.Put("a", "3"), restored.Put("a", "3"));
    }

    [Fact]
    public void A_snapshot_from_before_the_kv_store_restores_an_empty_one()
    {
        var restored = new MemoryStore();
        restored.Restore(new StoreSnapshot { Version = 4 });
        Assert.Equal(1, restored.State.Kv.Revision);
        Assert.Equal(2, restored.Put("k", "v").Revision);
    }

    [Fact]
    public void A_corrupt_kv_section_is_refused_with_the_reason()
    {
        static string Refused(KvStateSnapshot kv)
            => Assert.Throws<InvalidStoreObjectException>(() => new MemoryStore().Restore(new StoreSnapshot { Version = 1, KvState = kv })).Message;

        var record = new KvRecord { ModRevision = 2, CreateRevision = 2, Version = 1, Value = B("v") };
        Assert.Contains("compact revision 9 must lie in 0..5", Refused(new KvStateSnapshot { Revision = 5, CompactRevision = 9 }), StringComparison.Ordinal);
        Assert.Contains(
            "key \"b\" is empty or out of byte order",
            Refused(new KvStateSnapshot { Revision = 5, Keys = { new KvKeyHistory { Key = B("c"), Records = { record } }, new KvKeyHistory { Key = B("b"), Records = { record } } } }),
            StringComparison.Ordinal);
        Assert.Contains(
            "record at revision 2, out of order or after the snapshot",
            Refused(new KvStateSnapshot { Revision = 5, Keys = { new KvKeyHistory { Key = B("a"), Records = { record, record } } } }),
            StringComparison.Ordinal);
        var leased = record.Clone();
        leased.Lease = 0x2a;
        Assert.Contains(
            "attached to lease 2a, which the snapshot does not hold",
            Refused(new KvStateSnapshot { Revision = 5, Keys = { new KvKeyHistory { Key = B("a"), Records = { leased } } } }),
            StringComparison.Ordinal);
        Assert.Equal("key 0xff00", KvKeyText.Show(ByteString.CopyFrom(0xff, 0x00)));
    }
}
