using System.Runtime.InteropServices;

namespace ClusterKit.Manager.Scheduling;

/// <summary>A task as a node's table holds it.</summary>
public readonly record struct PlacedTask(string TaskId, TaskDemand Demand, IReadOnlyList<NamedResourceItem> NamedResources);

/// <summary>
/// The scheduler's own view of one node: its description plus exact accounting of the tasks on it
/// (reservations, generic resources, host ports, tasks per service). <see cref="AddTask"/> and
/// <see cref="RemoveTask"/> are exact inverses; accounting may exceed capacity when the store says so
/// (the filters stop new placements there), it is never clamped.
/// </summary>
public sealed class NodeInfo
{
    private static readonly NamedResourceItem[] NoNamed = [];

    private readonly Dictionary<string, TaskEntry> _tasks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _tasksPerService = new(StringComparer.Ordinal);
    private readonly Dictionary<int, int> _hostPorts = [];
    private Dictionary<string, GenericPool> _generic = new(StringComparer.Ordinal);

    public NodeInfo(NodeDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        ArgumentException.ThrowIfNullOrEmpty(description.Id);
        Description = description;
        _generic = BuildPools(description.Resources);
    }

    public NodeDescription Description { get; private set; }

    public string Id => Description.Id;

    public long AllocatedNanoCpus { get; private set; }

    public long AllocatedMemoryBytes { get; private set; }

    /// <summary>Total minus system-reserved: what tasks may take.</summary>
    public long ReservableNanoCpus => Description.Resources.TotalNanoCpus - Description.Resources.ReservedNanoCpus;

    public long ReservableMemoryBytes => Description.Resources.TotalMemoryBytes - Description.Resources.ReservedMemoryBytes;

    public long AvailableNanoCpus => ReservableNanoCpus - AllocatedNanoCpus;

    public long AvailableMemoryBytes => ReservableMemoryBytes - AllocatedMemoryBytes;

    public int TaskCount => _tasks.Count;

    /// <summary>The tasks on this node, ordered by task id.</summary>
    public IReadOnlyList<PlacedTask> Tasks
    {
        get
        {
            var list = new List<PlacedTask>(_tasks.Count);
            foreach (var (id, entry) in _tasks)
            {
                list.Add(new PlacedTask(id, entry.Demand, entry.Named));
            }

            list.Sort(static (a, b) => string.CompareOrdinal(a.TaskId, b.TaskId));
            return list;
        }
    }

    /// <summary>Service ids with at least one task here, ordered.</summary>
    public IReadOnlyList<string> Services => [.. _tasksPerService.Keys.Order(StringComparer.Ordinal)];

    public int TasksOf(string serviceId) => _tasksPerService.TryGetValue(serviceId, out var n) ? n : 0;

    public bool HasTask(string taskId) => _tasks.ContainsKey(taskId);

    public bool TryGetTask(string taskId, out PlacedTask task)
    {
        if (_tasks.TryGetValue(taskId, out var e))
        {
            task = new PlacedTask(taskId, e.Demand, e.Named);
            return true;
        }

        task = default;
        return false;
    }

    public bool IsHostPortInUse(HostPort port) => _hostPorts.ContainsKey(port.Key);

    internal bool IsHostPortKeyInUse(int key) => _hostPorts.ContainsKey(key);

    /// <summary>Units of a generic resource kind still free (discrete count plus free named items).</summary>
    public long AvailableGeneric(string kind) => _generic.TryGetValue(kind, out var p) ? p.Available : 0;

    /// <summary>Free named items of a kind, ordered.</summary>
    public IReadOnlyList<string> FreeNamedGeneric(string kind) => _generic.TryGetValue(kind, out var p) ? [.. p.NamedFree] : [];

    /// <summary>
    /// Accounts a task on this node. Named generic items are taken from <paramref name="named"/> when
    /// given (a task the store already assigned), otherwise the lowest free ones are chosen.
    /// Returns false (and changes nothing) when the task is already here.
    /// </summary>
    public bool AddTask(string taskId, TaskDemand demand, IReadOnlyList<NamedResourceItem>? named = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        ArgumentNullException.ThrowIfNull(demand);
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_tasks, taskId, out var exists);
        if (exists)
        {
            return false;
        }

        var items = demand.GenericKinds.Length == 0 ? NoNamed : TakeGeneric(demand, named);
        slot = new TaskEntry(demand, items);
        AllocatedNanoCpus += demand.NanoCpus;
        AllocatedMemoryBytes += demand.MemoryBytes;
        CollectionsMarshal.GetValueRefOrAddDefault(_tasksPerService, demand.ServiceId, out _)++;
        foreach (var key in demand.PortKeys)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(_hostPorts, key, out _)++;
        }

        return true;
    }

    /// <summary>Removes a task and gives back exactly what it took; false when it is not here.</summary>
    public bool RemoveTask(string taskId)
    {
        if (!_tasks.Remove(taskId, out var entry))
        {
            return false;
        }

        var demand = entry.Demand;
        AllocatedNanoCpus -= demand.NanoCpus;
        AllocatedMemoryBytes -= demand.MemoryBytes;
        Decrement(_tasksPerService, demand.ServiceId);
        foreach (var key in demand.PortKeys)
        {
            Decrement(_hostPorts, key);
        }

        if (demand.GenericKinds.Length > 0)
        {
            GiveBackGeneric(demand, entry.Named);
        }

        return true;
    }

    /// <summary>Replaces the description (labels, availability, capacity changed) keeping the tasks.</summary>
    public void UpdateDescription(NodeDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        if (!string.Equals(description.Id, Id, StringComparison.Ordinal))
        {
            throw new ArgumentException($"node {Id}: cannot take the description of node {description.Id}; allowed: the same node id");
        }

        Description = description;
        _generic = BuildPools(description.Resources);
        foreach (var entry in _tasks.Values)
        {
            if (entry.Demand.GenericKinds.Length > 0)
            {
                TakeGeneric(entry.Demand, entry.Named);
            }
        }
    }

    /// <summary>A deep copy for what-if planning.</summary>
    public NodeInfo Clone()
    {
        var copy = new NodeInfo(Description);
        foreach (var (id, entry) in _tasks)
        {
            copy.AddTask(id, entry.Demand, entry.Named);
        }

        return copy;
    }

    private NamedResourceItem[] TakeGeneric(TaskDemand demand, IReadOnlyList<NamedResourceItem>? named)
    {
        List<NamedResourceItem>? taken = null;
        for (var i = 0; i < demand.GenericKinds.Length; i++)
        {
            var kind = demand.GenericKinds[i];
            var need = demand.GenericCounts[i];
            if (!_generic.TryGetValue(kind, out var pool))
            {
                pool = new GenericPool();
                _generic[kind] = pool;
            }

            if (named is not null)
            {
                // A placement the store already made: take exactly the items it names.
                foreach (var item in named)
                {
                    if (string.Equals(item.Kind, kind, StringComparison.Ordinal))
                    {
                        pool.NamedFree.Remove(item.Value);
                        (taken ??= []).Add(item);
                        need--;
                    }
                }
            }
            else
            {
                var fromDiscrete = Math.Min(need, Math.Max(0, pool.DiscreteTotal - pool.DiscreteUsed));
                need -= fromDiscrete;
                pool.DiscreteUsed += fromDiscrete;
                while (need > 0 && pool.NamedFree.Count > 0)
                {
                    var value = pool.NamedFree.Min!;
                    pool.NamedFree.Remove(value);
                    (taken ??= []).Add(new NamedResourceItem(kind, value));
                    need--;
                }
            }

            // Whatever is left is over-commit that the store reported; keep it visible.
            if (need > 0)
            {
                pool.DiscreteUsed += need;
            }
        }

        return taken is null ? NoNamed : [.. taken];
    }

    private void GiveBackGeneric(TaskDemand demand, NamedResourceItem[] named)
    {
        for (var i = 0; i < demand.GenericKinds.Length; i++)
        {
            var kind = demand.GenericKinds[i];
            var pool = _generic[kind];
            var namedCount = 0;
            foreach (var item in named)
            {
                if (string.Equals(item.Kind, kind, StringComparison.Ordinal))
                {
                    namedCount++;
                    if (pool.NamedAll.Contains(item.Value))
                    {
                        pool.NamedFree.Add(item.Value);
                    }
                }
            }

            pool.DiscreteUsed -= demand.GenericCounts[i] - namedCount;
        }
    }

    private static Dictionary<string, GenericPool> BuildPools(NodeResources resources)
    {
        var pools = new Dictionary<string, GenericPool>(StringComparer.Ordinal);
        foreach (var (kind, count) in resources.DiscreteGeneric)
        {
            pools[kind] = new GenericPool { DiscreteTotal = count };
        }

        foreach (var (kind, values) in resources.NamedGeneric)
        {
            if (!pools.TryGetValue(kind, out var pool))
            {
                pool = new GenericPool();
                pools[kind] = pool;
            }

            foreach (var v in values)
            {
                pool.NamedAll.Add(v);
                pool.NamedFree.Add(v);
            }
        }

        return pools;
    }

    private static void Decrement<TKey>(Dictionary<TKey, int> counts, TKey key)
        where TKey : notnull
    {
        ref var n = ref CollectionsMarshal.GetValueRefOrNullRef(counts, key);
        if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref n) && --n <= 0)
        {
            counts.Remove(key);
        }
    }

    private readonly record struct TaskEntry(TaskDemand Demand, NamedResourceItem[] Named);

    private sealed class GenericPool
    {
        public long DiscreteTotal { get; init; }

        public long DiscreteUsed { get; set; }

        public SortedSet<string> NamedFree { get; } = new(StringComparer.Ordinal);

        public HashSet<string> NamedAll { get; } = new(StringComparer.Ordinal);

        public long Available => DiscreteTotal - DiscreteUsed + NamedFree.Count;
    }
}
