using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;

namespace ClusterKit.Manager.Store.Kv;

/// <summary>What a watcher watches: a key or range (as in <see cref="KvRange"/>), from a revision (0: the next one).</summary>
public sealed record KvWatchRequest(ByteString Key, ByteString RangeEnd, long StartRevision = 0, bool PrevKv = false, bool NoPut = false, bool NoDelete = false, bool ProgressNotify = false);

/// <summary>
/// What a watcher reads: the events of whole revisions in order (never a revision split), or a progress notice (no
/// events; the store is at <see cref="Revision"/>), or its cancellation with a reason.
/// </summary>
public sealed record KvWatchResponse(long WatchId, long Revision, IReadOnlyList<KvEvent> Events, string? CancelReason = null, long CompactRevision = 0)
{
    public bool Canceled => CancelReason is not null;

    public bool IsProgress => Events.Count == 0 && !Canceled;
}

/// <summary>
/// Fans the key-value store's committed changes out to watchers (ADR 0017). Fed after each apply with the new state and
/// the events of its revision; never waits for a watcher. A synced watcher gets each revision queued as it is
/// published; one that falls <see cref="MaxQueued"/> responses behind, or starts in the past, or outlives a snapshot
/// restore, reads from the newest state's history instead, from its own next revision, until it is level again; if
/// that history has been compacted it is cancelled with the compact revision.
/// </summary>
public sealed class KvWatchHub
{
    private readonly Lock _gate = new();
    private readonly Dictionary<long, KvWatcher> _watchers = [];
    private KvState _state;
    private long _nextId = 1;

    public KvWatchHub(KvState state, int maxQueued = 1024, int maxEventsPerResponse = 1000)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxQueued, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEventsPerResponse, 1);
        _state = state;
        MaxQueued = maxQueued;
        MaxEventsPerResponse = maxEventsPerResponse;
    }

    public int MaxQueued { get; }

    public int MaxEventsPerResponse { get; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _watchers.Count;
            }
        }
    }

    public KvWatcher Watch(KvWatchRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        KvLimits.CheckKey(request.Key);
        lock (_gate)
        {
            var watcher = new KvWatcher(this, _nextId++, request, _state);
            _watchers.Add(watcher.Id, watcher);
            return watcher;
        }
    }

    /// <summary>A write changed keys: <paramref name="state"/> is the state after it, <paramref name="events"/> its changes.</summary>
    public void Publish(KvState state, IReadOnlyList<KvEvent> events)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(events);
        lock (_gate)
        {
            _state = state;
            foreach (var watcher in _watchers.Values)
            {
                watcher.OnRevision(state, events);
            }
        }
    }

    /// <summary>The store was replaced (a snapshot installed, or compacted): watchers catch up from its history.</summary>
    public void Reset(KvState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        lock (_gate)
        {
            _state = state;
            foreach (var watcher in _watchers.Values)
            {
                watcher.OnReset(state);
            }
        }
    }

    /// <summary>The periodic progress notice: every level watcher that asked for it hears the current revision.</summary>
    public void NotifyProgress()
    {
        lock (_gate)
        {
            foreach (var watcher in _watchers.Values.Where(w => w.Request.ProgressNotify))
            {
                watcher.RequestProgress();
            }
        }
    }

    internal void Remove(KvWatcher watcher)
    {
        lock (_gate)
        {
            _watchers.Remove(watcher.Id);
        }
    }
}
