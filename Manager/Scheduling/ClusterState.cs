namespace ClusterKit.Manager.Scheduling;

/// <summary>
/// The scheduler's view of the whole cluster: every node with its tasks. The orchestration loop
/// builds it from the store and keeps it current; <see cref="Scheduler.Schedule"/> adds the
/// tasks it places.
/// </summary>
public sealed class ClusterState
{
    private readonly List<NodeInfo> _nodes = [];
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    public ClusterState()
    {
    }

    public ClusterState(IEnumerable<NodeDescription> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        foreach (var n in nodes)
        {
            AddNode(n);
        }
    }

    public IReadOnlyList<NodeInfo> Nodes => _nodes;

    /// <exception cref="ArgumentException">A node with the same id is already present.</exception>
    public NodeInfo AddNode(NodeDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        if (_index.ContainsKey(description.Id))
        {
            throw new ArgumentException($"node {description.Id} is already in the cluster; allowed: each node id once");
        }

        var info = new NodeInfo(description);
        _index[description.Id] = _nodes.Count;
        _nodes.Add(info);
        return info;
    }

    /// <summary>Adds the node, or updates its description keeping its tasks.</summary>
    public NodeInfo AddOrUpdateNode(NodeDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        if (_index.TryGetValue(description.Id, out var i))
        {
            _nodes[i].UpdateDescription(description);
            return _nodes[i];
        }

        return AddNode(description);
    }

    public bool RemoveNode(string nodeId)
    {
        if (!_index.Remove(nodeId, out var i))
        {
            return false;
        }

        _nodes.RemoveAt(i);
        for (var k = i; k < _nodes.Count; k++)
        {
            _index[_nodes[k].Id] = k;
        }

        return true;
    }

    public NodeInfo? Find(string nodeId) => _index.TryGetValue(nodeId, out var i) ? _nodes[i] : null;

    /// <exception cref="KeyNotFoundException">The node is not in the cluster.</exception>
    public bool AddTask(string nodeId, string taskId, TaskDemand demand, IReadOnlyList<NamedResourceItem>? named = null) =>
        Require(nodeId).AddTask(taskId, demand, named);

    public bool RemoveTask(string nodeId, string taskId) => Find(nodeId)?.RemoveTask(taskId) ?? false;

    /// <summary>A deep copy, for planning without touching this view.</summary>
    public ClusterState Clone()
    {
        var copy = new ClusterState();
        foreach (var n in _nodes)
        {
            copy._index[n.Id] = copy._nodes.Count;
            copy._nodes.Add(n.Clone());
        }

        return copy;
    }

    private NodeInfo Require(string nodeId) =>
        Find(nodeId) ?? throw new KeyNotFoundException($"node {nodeId} is not in the cluster; allowed: a node added with AddNode");
}
