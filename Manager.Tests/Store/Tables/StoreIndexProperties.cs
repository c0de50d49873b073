using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Tables;
using ClusterKit.Proto.Manager.V1;
using FsCheck.Xunit;

namespace ClusterKit.Manager.Tests.Store.Tables;

/// <summary>
/// Random sequences of creates, updates, puts, deletes and failing transactions over small key
/// spaces (so that rows collide and move between index keys): every index lookup must return what
/// a scan of the table returns, on the store, inside a transaction and after a snapshot restore.
/// </summary>
public sealed class StoreIndexProperties
{
    private static readonly string[] Services = ["web", "db", "cache"];
    private static readonly string[] Nodes = [string.Empty, "n1", "n2", "n3"];
    private static readonly TaskState[] States = [TaskState.Running, TaskState.Shutdown, TaskState.Complete];
    private static readonly string[] Names = [string.Empty, "front", "back"];

    [Property(MaxTest = 300)]
    public void Index_lookups_equal_a_scan_after_any_sequence_of_operations(int[] codes)
    {
        var store = new MemoryStore();
        foreach (var code in codes)
        {
            Run(store, (uint)code);
        }

        store.View(AssertIndexesMatchScans);
        store.Update(tx =>
        {
            tx.Put(new ClusterTask { Id = "t-extra", ServiceId = "web", NodeId = "n1" });
            AssertIndexesMatchScans(tx);
        });

        var restored = new MemoryStore();
        restored.Restore(store.CreateSnapshot());
        restored.View(AssertIndexesMatchScans);
    }

    private static void Run(MemoryStore store, uint code)
    {
        var id = $"t{(code >> 4) % 6}";
        var service = Services[(code >> 8) % 3];
        var node = Nodes[(code >> 10) % 4];
        var state = States[(code >> 12) % 3];
        var name = Names[(code >> 14) % 3];
        try
        {
            switch (code % 8)
            {
                case 0:
                    store.Update(tx => tx.Put(new ClusterTask { Id = id, ServiceId = service, NodeId = node, DesiredState = state }));
                    break;
                case 1:
                    store.Update(tx =>
                    {
                        var task = tx.Get<ClusterTask>(id) ?? throw new StoreConflictException("absent");
                        task.NodeId = node;
                        task.DesiredState = state;
                        tx.Update(task);
                    });
                    break;
                case 2:
                    store.Update(tx => tx.Delete<ClusterTask>(id));
                    break;
                case 3:
                    store.Update(tx => tx.Put(new Service { Id = $"s{(code >> 4) % 4}", Spec = new ServiceSpec { Name = name } }));
                    break;
                case 4:
                    store.Update(tx => tx.Delete<Service>($"s{(code >> 4) % 4}"));
                    break;
                case 5:
                    // Moves a task, then fails: nothing of it may show in any index.
                    store.Update(tx =>
                    {
                        tx.Put(new ClusterTask { Id = id, ServiceId = service, NodeId = node, DesiredState = state });
                        tx.Create(new Network { Id = "net-twice", Name = name });
                        tx.Create(new Network { Id = "net-twice", Name = name });
                    });
                    break;
                case 6:
                    store.Update(tx =>
                    {
                        tx.Put(new Network { Id = $"net{(code >> 4) % 3}", Name = name });
                        tx.Put(new Secret { Id = $"sec{(code >> 4) % 3}", Name = name });
                        tx.Put(new Config { Id = $"c{(code >> 4) % 3}", Name = name });
                    });
                    break;
                default:
                    // An update prepared, then overtaken by another write to the same task: rejected at apply.
                    var stale = store.Prepare(tx =>
                    {
                        var task = tx.Get<ClusterTask>(id) ?? throw new StoreConflictException("absent");
                        task.NodeId = node;
                        tx.Update(task);
                    });
                    store.Update(tx => tx.Put(new ClusterTask { Id = id, ServiceId = service, DesiredState = state }));
                    Assert.False(store.Apply(stale).IsCommitted);
                    break;
            }
        }
        catch (StoreConflictException)
        {
            // A delete or update of a missing row, or the deliberate double create: nothing applied.
        }
    }

    private static int AssertIndexesMatchScans(IReadTransaction tx)
    {
        foreach (var service in Services.Append("absent"))
        {
            Same(tx.Find(TaskTable.ByService(service)), tx.Find<ClusterTask>(t => t.ServiceId == service));
        }

        foreach (var node in Nodes.Append("absent"))
        {
            Same(tx.Find(TaskTable.ByNode(node)), tx.Find<ClusterTask>(t => t.NodeId == node));
            Assert.Equal(tx.Find<ClusterTask>(t => t.NodeId == node).Count, tx.Count(TaskTable.ByNode(node)));
        }

        foreach (var state in States.Append(TaskState.Failed))
        {
            Same(tx.Find(TaskTable.ByDesiredState(state)), tx.Find<ClusterTask>(t => t.DesiredState == state));
        }

        foreach (var name in Names.Append("absent"))
        {
            Same(tx.Find(ServiceTable.ByName(name)), tx.Find<Service>(s => (s.Spec?.Name ?? string.Empty) == name));
            Same(tx.Find(NetworkTable.ByName(name)), tx.Find<Network>(n => n.Name == name));
            Same(tx.Find(SecretTable.ByName(name)), tx.Find<Secret>(s => s.Name == name));
            Same(tx.Find(ConfigTable.ByName(name)), tx.Find<Config>(c => c.Name == name));
        }

        return 0;
    }

    // Whole rows, versions included: an index holding a stale copy of a row fails here.
    private static void Same<T>(IReadOnlyList<T> byIndex, IReadOnlyList<T> byScan)
        where T : class, Google.Protobuf.IMessage<T> => Assert.Equal(byScan, byIndex);
}
