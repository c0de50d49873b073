using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Tables;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Tests.Store.Tables;

public sealed class StoreIndexTests
{
    private static ClusterTask NewTask(string id, string service, string node, TaskState desired = TaskState.Running)
        => new() { Id = id, ServiceId = service, NodeId = node, DesiredState = desired };

    private static string[] Ids(IEnumerable<ClusterTask> tasks) => [.. tasks.Select(t => t.Id)];

    private static MemoryStore StoreWithTasks()
    {
        var store = new MemoryStore();
        store.Update(tx =>
        {
            tx.Create(NewTask("t3", "web", "n1"));
            tx.Create(NewTask("t1", "web", "n2"));
            tx.Create(NewTask("t2", "db", "n1", TaskState.Shutdown));
            tx.Create(NewTask("t4", "db", string.Empty));
        });
        return store;
    }

    [Fact]
    public void Tasks_are_found_by_service_node_and_desired_state_in_id_order()
    {
        var store = StoreWithTasks();
        store.View(tx =>
        {
            Assert.Equal(["t1", "t3"], Ids(tx.Find(TaskTable.ByService("web"))));
            Assert.Equal(["t2", "t3"], Ids(tx.Find(TaskTable.ByNode("n1"))));
            Assert.Equal(["t4"], Ids(tx.Find(TaskTable.ByNode(string.Empty))));
            Assert.Equal(["t1", "t3", "t4"], Ids(tx.Find(TaskTable.ByDesiredState(TaskState.Running))));
            Assert.Empty(tx.Find(TaskTable.ByNode("n9")));
            Assert.Equal(2, tx.Count(TaskTable.ByService("db")));
            Assert.Equal(0, tx.Count(TaskTable.ByService("none")));
            return 0;
        });
    }

    [Fact]
    public void A_task_moving_node_leaves_the_old_node_and_joins_the_new_one()
    {
        var store = StoreWithTasks();
        store.Update(tx =>
        {
            var t = tx.Get<ClusterTask>("t3")!;
            t.NodeId = "n2";
            t.DesiredState = TaskState.Shutdown;
            tx.Update(t);
        });

        store.View(tx =>
        {
            Assert.Equal(["t2"], Ids(tx.Find(TaskTable.ByNode("n1"))));
            Assert.Equal(["t1", "t3"], Ids(tx.Find(TaskTable.ByNode("n2"))));
            Assert.Equal(["t2", "t3"], Ids(tx.Find(TaskTable.ByDesiredState(TaskState.Shutdown))));
            Assert.Equal("n2", tx.Find(TaskTable.ByService("web")).Single(t => t.Id == "t3").NodeId);
            return 0;
        });
    }

    [Fact]
    public void An_update_that_keeps_the_key_shows_the_new_row_through_the_index()
    {
        var store = StoreWithTasks();
        store.Update(tx =>
        {
            var t = tx.Get<ClusterTask>("t1")!;
            t.Slot = 7;
            tx.Update(t);
        });

        var found = store.View(tx => tx.Find(TaskTable.ByNode("n2")).Single());
        Assert.Equal(7UL, found.Slot);
        Assert.Equal(2UL, found.Version);
    }

    [Fact]
    public void A_deleted_task_is_gone_from_every_index_and_an_emptied_key_finds_nothing()
    {
        var store = StoreWithTasks();
        store.Update(tx => tx.Delete<ClusterTask>("t4"));
        store.Update(tx => tx.Delete<ClusterTask>("t2"));

        store.View(tx =>
        {
            Assert.Empty(tx.Find(TaskTable.ByService("db")));
            Assert.Empty(tx.Find(TaskTable.ByNode(string.Empty)));
            Assert.Empty(tx.Find(TaskTable.ByDesiredState(TaskState.Shutdown)));
            Assert.Equal(["t3"], Ids(tx.Find(TaskTable.ByNode("n1"))));
            return 0;
        });
    }

    [Fact]
    public void A_renamed_service_is_found_by_its_new_name_only()
    {
        var store = new MemoryStore();
        store.Update(tx =>
        {
            tx.Create(new Service { Id = "s1", Spec = new ServiceSpec { Name = "web" } });
            tx.Create(new Service { Id = "s2", Spec = new ServiceSpec { Name = "db" } });
            tx.Create(new Service { Id = "s0" });
        });
        store.Update(tx =>
        {
            var s = tx.Get<Service>("s1")!;
            s.Spec.Name = "front";
            tx.Update(s);
        });

        store.View(tx =>
        {
            Assert.Empty(tx.Find(ServiceTable.ByName("web")));
            Assert.Equal("s1", tx.Find(ServiceTable.ByName("front")).Single().Id);
            Assert.Equal("s2", tx.Find(ServiceTable.ByName("db")).Single().Id);
            Assert.Equal("s0", tx.Find(ServiceTable.ByName(string.Empty)).Single().Id);
            return 0;
        });
    }

    [Fact]
    public void Networks_secrets_and_configs_are_found_by_name()
    {
        var store = new MemoryStore();
        store.Update(tx =>
        {
            tx.Create(new Network { Id = "net1", Name = "front" });
            tx.Create(new Secret { Id = "sec1", Name = "db-password" });
            tx.Create(new Secret { Id = "sec2", Name = "tls" });
            tx.Create(new Config { Id = "c1", Name = "nginx.conf" });
        });
        store.Update(tx => tx.Delete<Secret>("sec2"));

        store.View(tx =>
        {
            Assert.Equal("net1", tx.Find(NetworkTable.ByName("front")).Single().Id);
            Assert.Equal("sec1", tx.Find(SecretTable.ByName("db-password")).Single().Id);
            Assert.Empty(tx.Find(SecretTable.ByName("tls")));
            Assert.Equal("c1", tx.Find(ConfigTable.ByName("nginx.conf")).Single().Id);
            Assert.Empty(tx.Find(ConfigTable.ByName("NGINX.CONF")));
            return 0;
        });
    }

    [Fact]
    public void A_transaction_finds_its_own_writes_and_a_rejected_one_leaves_the_indexes_as_they_were()
    {
        var store = StoreWithTasks();
        var stale = store.Prepare(tx =>
        {
            var t = tx.Get<ClusterTask>("t1")!;
            t.NodeId = "n1";
            tx.Update(t);
            Assert.Equal(["t1", "t2", "t3"], Ids(tx.Find(TaskTable.ByNode("n1"))));
            Assert.Empty(tx.Find(TaskTable.ByNode("n2")));
        });
        store.Update(tx => tx.Put(NewTask("t1", "web", "n3")));

        Assert.False(store.Apply(stale).IsCommitted);
        store.View(tx =>
        {
            Assert.Equal(["t2", "t3"], Ids(tx.Find(TaskTable.ByNode("n1"))));
            Assert.Equal(["t1"], Ids(tx.Find(TaskTable.ByNode("n3"))));
            return 0;
        });
    }

    [Fact]
    public void Rows_found_by_an_index_are_copies()
    {
        var store = StoreWithTasks();
        var found = store.View(tx => tx.Find(TaskTable.ByNode("n1")));
        found[0].NodeId = "changed";
        Assert.Equal(["t2", "t3"], store.View(tx => Ids(tx.Find(TaskTable.ByNode("n1")))));
        Assert.All(store.View(tx => tx.Find(TaskTable.ByNode("n1"))), t => Assert.Equal("n1", t.NodeId));
    }

    [Fact]
    public void A_restored_snapshot_has_its_indexes_rebuilt()
    {
        var store = StoreWithTasks();
        var restored = new MemoryStore();
        restored.Restore(store.CreateSnapshot());
        restored.Update(tx =>
        {
            var t = tx.Get<ClusterTask>("t4")!;
            t.NodeId = "n1";
            tx.Update(t);
        });

        Assert.Equal(["t2", "t3", "t4"], restored.View(tx => Ids(tx.Find(TaskTable.ByNode("n1")))));
        Assert.Empty(restored.View(tx => tx.Find(TaskTable.ByNode(string.Empty))));
    }
}
