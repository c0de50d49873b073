using ClusterKit.Manager.Store;
using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;

namespace ClusterKit.Manager.Tests.Store;

public sealed class SnapshotTests
{
    [Fact]
    public void A_snapshot_round_trips_through_bytes_into_an_identical_store()
    {
        var store = new MemoryStore();
        for (var i = 0; i < 50; i++)
        {
            store.Update(tx =>
            {
                tx.Put(new KvPair { Key = $"k{i % 7}", Value = ByteString.CopyFromUtf8(i.ToString(System.Globalization.CultureInfo.InvariantCulture)) });
                tx.Create(new ClusterTask { Id = $"t{i}", ServiceId = "s", Slot = (ulong)i });
            });
        }

        store.Update(tx => tx.Create(new Node { Id = "n1", Spec = new NodeSpec { Labels = { ["a"] = "b" } } }));
        var bytes = store.CreateSnapshot().ToByteArray();

        var restored = new MemoryStore();
        restored.Restore(StoreSnapshot.Parser.ParseFrom(bytes));

        Assert.Equal(store.Version, restored.Version);
        Assert.Equal(bytes, restored.CreateSnapshot().ToByteArray());
        Assert.Equal("49", restored.View(tx => tx.Get<KvPair>("k0")!.Value.ToStringUtf8()));

        // Writes go on from the restored version.
        Assert.Equal(store.Version + 1, restored.Update(tx => tx.Delete<ClusterTask>("t0")));
    }

    [Fact]
    public void Snapshots_are_deterministic_whatever_the_insertion_order()
    {
        var a = new MemoryStore();
        var b = new MemoryStore();
        a.Update(tx =>
        {
            tx.Put(new KvPair { Key = "x" });
            tx.Put(new KvPair { Key = "y" });
        });
        b.Update(tx =>
        {
            tx.Put(new KvPair { Key = "y" });
            tx.Put(new KvPair { Key = "x" });
        });
        Assert.Equal(a.CreateSnapshot().ToByteArray(), b.CreateSnapshot().ToByteArray());
    }

    [Fact]
    public void A_corrupt_snapshot_is_refused_with_the_row_named()
    {
        var store = new MemoryStore();
        var twice = new StoreSnapshot { Version = 3, Nodes = { new Node { Id = "n1", Version = 1 }, new Node { Id = "n1", Version = 2 } } };
        Assert.Equal("snapshot at version 3: nodes n1 appears twice", Assert.Throws<InvalidStoreObjectException>(() => store.Restore(twice)).Message);

        var future = new StoreSnapshot { Version = 3, Kv = { new KvPair { Key = "k", Version = 9 } } };
        Assert.Equal("snapshot at version 3: kv k has version 9, newer than the snapshot", Assert.Throws<InvalidStoreObjectException>(() => store.Restore(future)).Message);
        Assert.Equal(0UL, store.Version);
    }
}
