using ClusterKit.Proto.Manager.V1;
using Grpc.Core;

namespace ClusterKit.Manager.Dispatcher;

/// <summary>The live sessions on this manager, at most one per node id.</summary>
internal sealed class SessionRegistry(HeartbeatTracker tracker)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, WorkerSession> _sessions = new(StringComparer.Ordinal);
    private IReadOnlyList<ManagerAddress> _managers = [];
    private bool _shuttingDown;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>The manager list last pushed to workers (kept current by the leader loop).</summary>
    public IReadOnlyList<ManagerAddress> Managers
    {
        get
        {
            lock (_gate)
            {
                return _managers;
            }
        }
    }

    /// <summary>
    /// Admits a session for a node. A second session while the first still heartbeats is
    /// refused; one whose heartbeats stopped (a half-open stream) is replaced.
    /// </summary>
    public WorkerSession Open(string nodeId, string address, CancellationToken callToken)
    {
        WorkerSession? replaced = null;
        WorkerSession session;
        lock (_gate)
        {
            if (_shuttingDown)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "this manager is shutting down; connect to another manager"));
            }

            if (_sessions.TryGetValue(nodeId, out var existing))
            {
                if (tracker.IsAlive(nodeId))
                {
                    var silence = tracker.SilenceOf(nodeId) ?? TimeSpan.Zero;
                    throw new RpcException(new Status(
                        StatusCode.AlreadyExists,
                        $"node {nodeId} already has a live session {existing.SessionId} from {existing.Address} (last heartbeat {silence.TotalMilliseconds:0} ms ago); " +
                        $"allowed: one session per node id, a new one once the old one is closed or {tracker.Timeout.TotalSeconds:0.###} s without heartbeats"));
                }

                replaced = existing;
            }

            session = new WorkerSession(Guid.NewGuid().ToString("N"), nodeId, address, callToken);
            _sessions[nodeId] = session;
        }

        replaced?.End(null);
        return session;
    }

    /// <summary>Removes the session if it is still the node's current one.</summary>
    public void Close(WorkerSession session)
    {
        lock (_gate)
        {
            if (_sessions.TryGetValue(session.NodeId, out var current) && ReferenceEquals(current, session))
            {
                _sessions.Remove(session.NodeId);
            }
        }
    }

    public bool IsCurrent(WorkerSession session)
    {
        lock (_gate)
        {
            return _sessions.TryGetValue(session.NodeId, out var current) && ReferenceEquals(current, session);
        }
    }

    /// <summary>Whether <see cref="ShutDown"/> was called: the manager is stopping.</summary>
    public bool IsShuttingDown
    {
        get
        {
            lock (_gate)
            {
                return _shuttingDown;
            }
        }
    }

    /// <summary>
    /// The manager is stopping: ends every session (the workers move to another manager at once) and refuses new ones,
    /// so that no open stream holds the shutdown until the host's timeout.
    /// </summary>
    public int ShutDown()
    {
        lock (_gate)
        {
            _shuttingDown = true;
        }

        return EndAll(null);
    }

    /// <summary>Ends every session, each after the given last message (this manager stopped leading).</summary>
    public int EndAll(ManagerMessage? last)
    {
        WorkerSession[] all;
        lock (_gate)
        {
            all = [.. _sessions.Values];
            _sessions.Clear();
        }

        foreach (var session in all)
        {
            session.End(last?.Clone());
        }

        return all.Length;
    }

    /// <summary>Records a new manager list; pushes an update to every session when it changed.</summary>
    public bool UpdateManagers(IReadOnlyList<ManagerAddress> managers, TimeSpan heartbeatPeriod)
    {
        lock (_gate)
        {
            if (_managers.SequenceEqual(managers))
            {
                return false;
            }

            _managers = managers;
        }

        Broadcast(heartbeatPeriod);
        return true;
    }

    /// <summary>Tells every session the current period and manager list.</summary>
    public int Broadcast(TimeSpan heartbeatPeriod)
    {
        WorkerSession[] all;
        SessionUpdate update;
        lock (_gate)
        {
            all = [.. _sessions.Values];
            update = new SessionUpdate { HeartbeatPeriodMs = (long)heartbeatPeriod.TotalMilliseconds, Managers = { _managers } };
        }

        foreach (var session in all)
        {
            session.Push(new ManagerMessage { Update = update.Clone() });
        }

        return all.Length;
    }
}
