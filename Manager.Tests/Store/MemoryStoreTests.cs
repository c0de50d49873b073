using ClusterKit.Manager.Store;
using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;

namespace ClusterKit.Manager.Tests.Store;

public sealed class MemoryStoreTests
{
    private static Node NewNode(string id, string hostname = "h") => new()
    {
        Id = id,
        Spec = new NodeSpec { Availability = NodeAvailability.Active, Labels = { ["zone"] = "a" } },
        Description = new NodeDescription { Hostname = hostname },
    };

    [Fact]
    public void Update_commits_every_table_and_sets_versions()
    {
        var store = new MemoryStore();
        var version = store.Update(tx =>
        {
            tx.Create(NewNode("n1"));
            tx.Create(new Service { Id = "s1", Spec = new ServiceSpec { Name = "web", Replicas = 3 } });
            tx.Create(new ClusterTask { Id = "t1", ServiceId = "s1", Slot = 1 });
            tx.Create(new Network { Id = "net1", Name = "front", Driver = "overlay", Vni = 4097 });
            tx.Create(new Secret { Id = "sec1", Name = "db", Data = ByteString.CopyFromUtf8("pw") });
            tx.Create(new Config { Id = "c1", Name = "nginx.conf" });
            tx.Put(new KvPair { Key = "app/x", Value = ByteString.CopyFromUtf8("1") });
        });

        Assert.Equal(1UL, version);
        store.View(tx =>
        {
            Assert.Equal("h", tx.Get<Node>("n1")!.Description.Hostname);
            Assert.Equal(1UL, tx.Get<Node>("n1")!.Version);
            Assert.Equal(3UL, tx.Get<Service>("s1")!.Spec.Replicas);
            Assert.Equal("s1", tx.Get<ClusterTask>("t1")!.ServiceId);
            Assert.Equal(4097U, tx.Get<Network>("net1")!.Vni);
            Assert.Equal("pw", tx.Get<Secret>("sec1")!.Data.ToStringUtf8());
            Assert.Equal("nginx.conf", tx.Get<Config>("c1")!.Name);
            Assert.Equal(1UL, tx.Get<KvPair>("app/x")!.CreateVersion);
            return 0;
        });
    }

    [Fact]
    public void Reads_return_copies_so_callers_cannot_change_the_store()
    {
        var store = new MemoryStore();
        store.Update(tx => tx.Create(NewNode("n1", "before")));
        var copy = store.View(tx => tx.Get<Node>("n1")!);
        copy.Description.Hostname = "changed";
        Assert.Equal("before", store.View(tx => tx.Get<Node>("n1")!.Description.Hostname));
    }

    [Fact]
    public void A_transaction_sees_its_own_writes()
    {
        var store = new MemoryStore();
        store.Update(tx =>
        {
            tx.Create(NewNode("n1"));
            var node = tx.Get<Node>("n1")!;
            node.Spec.Availability = NodeAvailability.Drain;
            tx.Update(node);
            Assert.Equal(NodeAvailability.Drain, tx.Get<Node>("n1")!.Spec.Availability);
            Assert.Equal(1, tx.Count<Node>());
        });
    }

    [Fact]
    public void Create_of_an_existing_id_fails_in_the_callback_and_applies_nothing()
    {
        var store = new MemoryStore();
        store.Update(tx => tx.Create(NewNode("n1")));
        var e = Assert.Throws<StoreConflictException>(() => store.Update(tx =>
        {
            tx.Create(NewNode("n2"));
            tx.Create(NewNode("n1"));
        }));
        Assert.Equal("create nodes n1: already exists (version 1)", e.Message);
        Assert.Null(store.View(tx => tx.Get<Node>("n2")));
        Assert.Equal(1UL, store.Version);
    }

    [Fact]
    public void A_stale_update_is_rejected_at_apply_and_the_whole_transaction_is_dropped()
    {
        var store = new MemoryStore();
        store.Update(tx => tx.Create(NewNode("n1")));

        // Two writers prepare against version 1; the second to apply loses.
        var first = store.Prepare(tx =>
        {
            var n = tx.Get<Node>("n1")!;
            n.Spec.Labels["zone"] = "b";
            tx.Update(n);
        });
        var second = store.Prepare(tx =>
        {
            tx.Create(NewNode("n9"));
            var n = tx.Get<Node>("n1")!;
            n.Spec.Labels["zone"] = "c";
            tx.Update(n);
        });

        Assert.True(store.Apply(first).IsCommitted);
        var verdict = store.Apply(second);
        Assert.False(verdict.IsCommitted);
        Assert.Equal("update nodes n1: version 1 expected, the store has version 2", verdict.Error);
        Assert.Equal("b", store.View(tx => tx.Get<Node>("n1")!.Spec.Labels["zone"]));
        Assert.Null(store.View(tx => tx.Get<Node>("n9")));
        Assert.Equal(2UL, store.Version);
    }

    [Fact]
    public void Delete_removes_and_a_missing_id_is_a_conflict()
    {
        var store = new MemoryStore();
        store.Update(tx => tx.Put(new KvPair { Key = "k", Value = ByteString.CopyFromUtf8("v") }));
        store.Update(tx => tx.Delete<KvPair>("k"));
        Assert.Null(store.View(tx => tx.Get<KvPair>("k")));
        var e = Assert.Throws<StoreConflictException>(() => store.Update(tx => tx.Delete<KvPair>("k")));
        Assert.Equal("delete kv k: does not exist", e.Message);
    }

    [Fact]
    public void Put_keeps_the_kv_create_version()
    {
        var store = new MemoryStore();
        store.Update(tx => tx.Put(new KvPair { Key = "k", Value = ByteString.CopyFromUtf8("1") }));
        store.Update(tx => tx.Put(new KvPair { Key = "other" }));
        store.Update(tx => tx.Put(new KvPair { Key = "k", Value = ByteString.CopyFromUtf8("2") }));
        var kv = store.View(tx => tx.Get<KvPair>("k"))!;
        Assert.Equal(1UL, kv.CreateVersion);
        Assert.Equal(3UL, kv.Version);
    }

    [Fact]
    public void Bad_mutations_from_the_log_are_rejected_with_a_reason_not_thrown()
    {
        var store = new MemoryStore();
        Assert.Equal("a transaction has no mutations", store.Apply(new Transaction()).Error);
        Assert.Equal(
            "a create mutation has no object; allowed: node, service, task, network, secret, config, kv",
            store.Apply(new Transaction { Mutations = { new Mutation { Kind = Mutation.Types.Kind.Create } } }).Error);
        Assert.Equal(
            "create services: the id is empty; a non-empty id (or kv key) is required",
            store.Apply(new Transaction { Mutations = { new Mutation { Kind = Mutation.Types.Kind.Create, Object = new StoreObject { Service = new Service() } } } }).Error);
        Assert.Equal(
            "nodes n: mutation kind Unspecified is not one of create, update, delete, put",
            store.Apply(new Transaction { Mutations = { new Mutation { Object = new StoreObject { Node = new Node { Id = "n" } } } } }).Error);
        Assert.Equal(0UL, store.Version);
    }

    [Fact]
    public void An_update_callback_without_changes_is_refused()
    {
        var store = new MemoryStore();
        var e = Assert.Throws<ArgumentException>(() => store.Update(tx => tx.Get<Node>("x")));
        Assert.StartsWith("the update callback made no changes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_and_list_are_sorted_by_id()
    {
        var store = new MemoryStore();
        store.Update(tx =>
        {
            foreach (var id in new[] { "t3", "t1", "t2" })
            {
                tx.Create(new ClusterTask { Id = id, ServiceId = id == "t2" ? "other" : "web" });
            }
        });
        Assert.Equal(["t1", "t2", "t3"], store.View(tx => tx.List<ClusterTask>().Select(t => t.Id).ToArray()));
        Assert.Equal(["t1", "t3"], store.View(tx => tx.Find<ClusterTask>(t => t.ServiceId == "web").Select(t => t.Id).ToArray()));
    }
}
