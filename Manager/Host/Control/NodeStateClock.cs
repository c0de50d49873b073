using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Host.Control;

/// <summary>When a node entered its state, as one manager saw it; <see cref="BeganEarlier"/> when that was before the manager looked.</summary>
internal sealed record NodeStateSince(NodeState State, DateTimeOffset Since, bool BeganEarlier);

/// <summary>
/// Remembers since when each node has been in its state (ready, down, ...). The store keeps no time with a
/// node's state, so every manager notes the change when it sees it; what was already so when the manager
/// started looking is marked <see cref="NodeStateSince.BeganEarlier"/> (the time is then a bound, not the moment).
/// </summary>
internal sealed class NodeStateClock
{
    private readonly Lock _gate = new();
    private Dictionary<string, NodeStateSince> _seen = new(StringComparer.Ordinal);
    private bool _looked;

    /// <summary>Takes in every node's state now (see <see cref="NodeStates.Effective"/>); nodes not given are forgotten.</summary>
    public void Observe(IEnumerable<(string NodeId, NodeState State)> nodes, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        lock (_gate)
        {
            var next = new Dictionary<string, NodeStateSince>(StringComparer.Ordinal);
            foreach (var (id, state) in nodes)
            {
                next[id] = _seen.TryGetValue(id, out var before) && before.State == state
                    ? before
                    : new NodeStateSince(state, now, BeganEarlier: !_looked);
            }

            _seen = next;
            _looked = true;
        }
    }

    /// <summary>Since when <paramref name="nodeId"/> has been in its state, or null if this manager has not seen it.</summary>
    public NodeStateSince? Of(string nodeId)
    {
        lock (_gate)
        {
            return _seen.GetValueOrDefault(nodeId);
        }
    }
}
