using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Store.Tables;

/// <summary>Tasks, keyed by task id, indexed by service, by node and by desired state.</summary>
public static class TaskTable
{
    public static StoreIndex<ClusterTask> ServiceIndex { get; } = new("service", static t => t.ServiceId);

    /// <summary>Tasks not yet assigned sit under the empty node id.</summary>
    public static StoreIndex<ClusterTask> NodeIndex { get; } = new("node", static t => t.NodeId);

    public static StoreIndex<ClusterTask> DesiredStateIndex { get; } = new("desired-state", static t => StateKey(t.DesiredState));

    public static StoreTable<ClusterTask> Descriptor { get; } = new()
    {
        Table = Table.Tasks,
        Name = "tasks",
        EnvelopeCase = StoreObject.ObjectOneofCase.Task,
        Key = static t => t.Id,
        NewWithKeyOf = static id => new ClusterTask { Id = id },
        Version = static t => t.Version,
        SetVersion = static (t, v) => t.Version = v,
        WrapRow = static t => new StoreObject { Task = t },
        UnwrapRow = static o => o.Task,
        SnapshotRows = static s => s.Tasks,
        TypedIndexes = [ServiceIndex, NodeIndex, DesiredStateIndex],
    };

    public static IndexQuery<ClusterTask> ByService(string serviceId) => ServiceIndex.For(serviceId);

    /// <summary>Tasks assigned to <paramref name="nodeId"/>; the empty id finds the unassigned ones.</summary>
    public static IndexQuery<ClusterTask> ByNode(string nodeId) => NodeIndex.For(nodeId);

    public static IndexQuery<ClusterTask> ByDesiredState(TaskState state) => DesiredStateIndex.For(StateKey(state));

    // The enum's name for defined values (cached by the runtime), its number for values a newer manager wrote.
    private static string StateKey(TaskState state) => state.ToString();
}
