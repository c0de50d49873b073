using System.Threading.Channels;

namespace ClusterKit.Manager.Store.Kv;

/// <summary>One watcher of a <see cref="KvWatchHub"/>: read its responses in order; dispose it to stop.</summary>
public sealed class KvWatcher : IDisposable
{
    private readonly KvWatchHub _hub;
    private readonly KvKeyRange _range;
    private readonly Lock _gate = new();
    private readonly Queue<KvWatchResponse> _queue = new();
    private readonly Channel<bool> _doorbell = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private KvState _latest;
    private long _next;
    private bool _synced;
    private bool _ended;

    internal KvWatcher(KvWatchHub hub, long id, KvWatchRequest request, KvState state)
    {
        _hub = hub;
        Id = id;
        Request = request;
        _range = KvKeyRange.Of(request.Key, request.RangeEnd);
        _latest = state;
        _next = request.StartRevision > 0 ? request.StartRevision : state.Revision + 1;
        _synced = _next > state.Revision;
    }

    public long Id { get; }

    public KvWatchRequest Request { get; }

    /// <summary>The next response, or null when none is ready. After a cancellation, null for ever. One reader at a time.</summary>
    public KvWatchResponse? TryRead()
    {
        while (true)
        {
            KvState latest;
            long next;
            lock (_gate)
            {
                if (_queue.TryDequeue(out var queued))
                {
                    return queued;
                }

                if (_synced || _ended)
                {
                    return null;
                }

                if (_next < _latest.CompactRevision)
                {
                    _ended = true;
                    return new KvWatchResponse(Id, _latest.Revision, [], KvException.CompactedMessage, _latest.CompactRevision);
                }

                (latest, next) = (_latest, _next);
            }

            // Read from history outside the lock (the state is immutable), so that a long catch-up never holds up a commit.
            var (events, through) = KvHistoryReader.Read(latest, _range, next, _hub.MaxEventsPerResponse);
            lock (_gate)
            {
                if (_ended || _next != next)
                {
                    continue;
                }

                _next = through + 1;
                _synced = _next > _latest.Revision;
            }

            var wanted = Filter(events);
            if (wanted.Count > 0)
            {
                return new KvWatchResponse(Id, latest.Revision, wanted);
            }
        }
    }

    /// <summary>Waits for the next response; null once the watcher was cancelled (after its cancel response) or disposed.</summary>
    public async ValueTask<KvWatchResponse?> ReadAsync(CancellationToken token = default)
    {
        while (true)
        {
            if (TryRead() is { } response)
            {
                return response;
            }

            lock (_gate)
            {
                if (_ended && _queue.Count == 0)
                {
                    return null;
                }
            }

            if (!await _doorbell.Reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                return null;
            }

            _doorbell.Reader.TryRead(out _);
        }
    }

    /// <summary>A progress notice now if this watcher is level with the store and has nothing unread; ignored otherwise.</summary>
    public void RequestProgress()
    {
        lock (_gate)
        {
            if (_synced && !_ended && _queue.Count == 0)
            {
                _queue.Enqueue(new KvWatchResponse(Id, _latest.Revision, []));
                _doorbell.Writer.TryWrite(true);
            }
        }
    }

    public void Dispose()
    {
        _hub.Remove(this);
        lock (_gate)
        {
            _ended = true;
            _queue.Clear();
        }

        _doorbell.Writer.TryComplete();
    }

    internal void OnRevision(KvState state, IReadOnlyList<KvEvent> events)
    {
        lock (_gate)
        {
            _latest = state;
            if (_ended || !_synced || state.Revision < _next)
            {
                Ring();
                return;
            }

            var wanted = Filter(events);
            if (wanted.Count > 0 && _queue.Count >= _hub.MaxQueued)
            {
                // Too far behind to queue more: read this and what follows from history later, never hold up the commit.
                _synced = false;
            }
            else
            {
                if (wanted.Count > 0)
                {
                    _queue.Enqueue(new KvWatchResponse(Id, state.Revision, wanted));
                }

                _next = state.Revision + 1;
            }

            Ring();
        }
    }

    internal void OnReset(KvState state)
    {
        lock (_gate)
        {
            _latest = state;
            _synced = _next > state.Revision;
            Ring();
        }
    }

    // Runs for every watcher on every commit: no list unless an event is wanted.
    private IReadOnlyList<KvEvent> Filter(IReadOnlyList<KvEvent> events)
    {
        List<KvEvent>? wanted = null;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (!_range.Contains(e.Key) || (e.Type == KvEventType.Put && Request.NoPut) || (e.Type == KvEventType.Delete && Request.NoDelete))
            {
                continue;
            }

            (wanted ??= []).Add(Request.PrevKv ? e : e with { Previous = null });
        }

        return wanted ?? (IReadOnlyList<KvEvent>)[];
    }

    private void Ring() => _doorbell.Writer.TryWrite(true);
}
