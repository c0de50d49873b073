namespace ClusterKit.Manager.Dispatcher;

/// <summary>
/// Knows when each node last gave a sign of life and which nodes have been silent for
/// <see cref="MissedHeartbeats"/> periods. Pure bookkeeping on a <see cref="TimeProvider"/>:
/// it decides nothing about the store, so it is deterministic under a fake clock.
/// Thread-safe: session handlers and the leader loop share one tracker.
/// </summary>
public sealed class HeartbeatTracker
{
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _lastSign = new(StringComparer.Ordinal);
    private TimeSpan _period;

    public HeartbeatTracker(TimeProvider time, TimeSpan period, int missedHeartbeats = 3)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(missedHeartbeats, 1);
        _time = time;
        MissedHeartbeats = missedHeartbeats;
        Period = period;
    }

    public int MissedHeartbeats { get; }

    /// <summary>
    /// How often workers heartbeat. A change restarts every node's deadline from now: workers
    /// learn the new period only with their next message, so nobody is late by the new rule
    /// for silence that was fine by the old one.
    /// </summary>
    public TimeSpan Period
    {
        get
        {
            lock (_gate)
            {
                return _period;
            }
        }

        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            var now = _time.GetTimestamp();
            lock (_gate)
            {
                if (_period == value)
                {
                    return;
                }

                var restart = _period != TimeSpan.Zero;
                _period = value;
                if (restart)
                {
                    foreach (var nodeId in _lastSign.Keys.ToList())
                    {
                        _lastSign[nodeId] = now;
                    }
                }
            }
        }
    }

    /// <summary>The silence after which a node is late: <see cref="MissedHeartbeats"/> periods.</summary>
    public TimeSpan Timeout => Period * MissedHeartbeats;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _lastSign.Count;
            }
        }
    }

    /// <summary>A registration or heartbeat from the node, now.</summary>
    public void Seen(string nodeId)
    {
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            _lastSign[nodeId] = now;
        }
    }

    /// <summary>
    /// Starts watching a node that has not been heard from by this manager (a new leader's
    /// inherited nodes): it gets the same <see cref="Timeout"/> from now as if it had just beaten.
    /// </summary>
    public void StartGrace(string nodeId) => Seen(nodeId);

    public bool Forget(string nodeId)
    {
        lock (_gate)
        {
            return _lastSign.Remove(nodeId);
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _lastSign.Clear();
        }
    }

    /// <summary>How long the node has been silent, or null when it is not tracked.</summary>
    public TimeSpan? SilenceOf(string nodeId)
    {
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            return _lastSign.TryGetValue(nodeId, out var last) ? _time.GetElapsedTime(last, now) : null;
        }
    }

    /// <summary>True when the node is tracked and has not been silent for a whole <see cref="Timeout"/>.</summary>
    public bool IsAlive(string nodeId) => SilenceOf(nodeId) is { } silence && silence < Timeout;

    /// <summary>Every tracked node silent for at least <see cref="Timeout"/>, ordered by node id.</summary>
    public IReadOnlyList<LateNode> Late()
    {
        var now = _time.GetTimestamp();
        var late = new List<LateNode>();
        lock (_gate)
        {
            var timeout = _period * MissedHeartbeats;
            foreach (var (nodeId, last) in _lastSign)
            {
                var silence = _time.GetElapsedTime(last, now);
                if (silence >= timeout)
                {
                    late.Add(new LateNode(nodeId, silence));
                }
            }
        }

        late.Sort(static (a, b) => string.CompareOrdinal(a.NodeId, b.NodeId));
        return late;
    }
}

/// <summary>A node that missed its heartbeats, and for how long it has been silent.</summary>
public sealed record LateNode(string NodeId, TimeSpan Silence);
