using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Tables;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Tests.Store.Tables;

public sealed class StoreTablesTests
{
    [Fact]
    public void Every_table_and_every_envelope_field_has_exactly_one_descriptor()
    {
        var tables = Enum.GetValues<Table>().Where(t => t != Table.Unspecified).ToArray();
        Assert.Equal(tables, StoreTables.All.Select(t => t.Table));
        Assert.Equal(tables.Length, StoreTables.All.Select(t => t.ObjectType).Distinct().Count());

        var cases = Enum.GetValues<StoreObject.ObjectOneofCase>().Where(c => c != StoreObject.ObjectOneofCase.None);
        foreach (var field in cases)
        {
            var table = Assert.Single(StoreTables.All, t => t.Case == field);
            var row = table.NewWithKey("k1");
            var envelope = table.Wrap(row);
            Assert.Equal(field, envelope.ObjectCase);
            Assert.Same(table, StoreTables.Of(envelope));
            Assert.Same(table, StoreTables.Of(table.Table));
            Assert.Same(table, StoreTables.Of(row));
            Assert.Equal("k1", table.KeyOf(table.Unwrap(envelope)));
        }
    }

    [Fact]
    public void Each_index_belongs_to_its_own_table_at_its_own_slot()
    {
        foreach (var table in StoreTables.All)
        {
            for (var i = 0; i < table.Indexes.Count; i++)
            {
                Assert.Same(table, table.Indexes[i].Table);
                Assert.Equal(i, table.Indexes[i].Slot);
            }
        }

        Assert.Equal(["service", "node", "desired-state"], TaskTable.Descriptor.Indexes.Select(i => i.Name));
        Assert.Throws<InvalidOperationException>(() => TaskTable.NodeIndex.Bind(TaskTable.Descriptor, 0));
    }

    [Fact]
    public void A_type_that_is_not_a_store_object_is_refused_with_the_allowed_types()
    {
        var e = Assert.Throws<ArgumentException>(() => StoreObjects.TableOf<NodeSpec>());
        Assert.StartsWith("type NodeSpec is not a store object; allowed: Node, Service, ClusterTask, Network, Secret, Config, KvPair, Cluster, RegistryBlobLink, RegistryManifest, RegistryTag, RegistryBlobLocation", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new MemoryStore().View(tx => tx.Get<NodeSpec>("x")));
        Assert.Equal(
            "a store object has no object set; allowed: node, service, task, network, secret, config, kv, cluster, registry_blob_link, registry_manifest, registry_tag, registry_blob_location, registry_credential",
            Assert.Throws<InvalidStoreObjectException>(() => StoreObjects.TableOf(new StoreObject())).Message);
    }
}
