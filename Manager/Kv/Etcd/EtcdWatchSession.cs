using System.Threading.Channels;
using ClusterKit.Manager.Store.Kv;
using ClusterKit.Proto.Etcd.Rpc;
using Grpc.Core;

namespace ClusterKit.Manager.Kv.Etcd;

/// <summary>
/// The watchers of one etcd Watch stream. Ids are the stream's own, from 0 up (or the client's); every answer goes
/// through one queue and one writer, so a watcher's `created` precedes its events and a `canceled` ends them.
/// </summary>
internal sealed class EtcdWatchSession : IAsyncDisposable
{
    private const string DuplicateId = "mvcc: duplicate watch ID provided on the WatchStream";

    private readonly IKvBackend _backend;
    private readonly CancellationTokenSource _stop;
    private readonly Channel<WatchResponse> _out = Channel.CreateUnbounded<WatchResponse>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _gate = new();
    private readonly Dictionary<long, Pump> _watchers = [];
    private readonly Task _writer;
    private readonly Task _progress;
    private long _nextId;

    public EtcdWatchSession(IKvBackend backend, IServerStreamWriter<WatchResponse> responses, TimeSpan progressInterval, TimeProvider time, CancellationToken callEnded)
    {
        _backend = backend;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(callEnded);
        _writer = WriteAllAsync(responses, _stop.Token);
        _progress = NotifyProgressAsync(progressInterval, time, _stop.Token);
    }

    public async Task HandleAsync(WatchRequest request)
    {
        switch (request.RequestUnionCase)
        {
            case WatchRequest.RequestUnionOneofCase.CreateRequest:
                await CreateAsync(request.CreateRequest);
                break;
            case WatchRequest.RequestUnionOneofCase.CancelRequest:
                await CancelAsync(request.CancelRequest.WatchId);
                break;
            case WatchRequest.RequestUnionOneofCase.ProgressRequest:
                // A stream-wide request: answered at once, for no single watcher (watch_id -1, as etcd 3.4).
                Send(new WatchResponse { Header = await CurrentAsync(), WatchId = -1 });
                break;
            default:
                break;
        }
    }

    /// <summary>Keeps serving the watchers until the call ends.</summary>
    public async Task RunUntilEndedAsync()
    {
        try
        {
            await Task.Delay(Timeout.Infinite, _stop.Token);
        }
        catch (OperationCanceledException)
        {
            // The call ended.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        List<Pump> pumps;
        lock (_gate)
        {
            pumps = [.. _watchers.Values];
            _watchers.Clear();
        }

        foreach (var pump in pumps)
        {
            pump.Watcher.Dispose();
        }

        _out.Writer.TryComplete();
        await Task.WhenAll([.. pumps.Select(p => p.Task), _writer, _progress]).ContinueWith(static _ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task CreateAsync(WatchCreateRequest create)
    {
        var header = await CurrentAsync();
        long id;
        lock (_gate)
        {
            id = create.WatchId != 0 ? create.WatchId : NextFreeId();
            if (_watchers.ContainsKey(id))
            {
                Send(new WatchResponse { Header = header, WatchId = -1, Created = true, Canceled = true, CancelReason = DuplicateId });
                return;
            }
        }

        KvWatcher watcher;
        try
        {
            watcher = _backend.Watches.Watch(new KvWatchRequest(
                create.Key,
                create.RangeEnd,
                create.StartRevision,
                create.PrevKv,
                NoPut: create.Filters.Contains(WatchCreateRequest.Types.FilterType.Noput),
                NoDelete: create.Filters.Contains(WatchCreateRequest.Types.FilterType.Nodelete),
                ProgressNotify: create.ProgressNotify));
        }
        catch (KvException e)
        {
            Send(new WatchResponse { Header = header, WatchId = -1, Created = true, Canceled = true, CancelReason = EtcdErrors.Status(e.Failure).Message });
            return;
        }

        lock (_gate)
        {
            // Created first, then the pump: nothing of this watcher can overtake its `created`.
            Send(new WatchResponse { Header = header, WatchId = id, Created = true });
            _watchers[id] = new Pump(watcher, PumpAsync(id, watcher, _stop.Token));
        }
    }

    private long NextFreeId()
    {
        while (_watchers.ContainsKey(_nextId))
        {
            _nextId++;
        }

        return _nextId++;
    }

    // An unknown id is ignored, as etcd's stream does. Disposing the watcher ends its pump (its read returns null).
    private async Task CancelAsync(long id)
    {
        Pump? pump;
        lock (_gate)
        {
            if (_watchers.Remove(id, out pump))
            {
                pump.Watcher.Dispose();
            }
        }

        if (pump is null)
        {
            return;
        }

        await pump.Task.ContinueWith(static _ => { }, TaskScheduler.Default);
        Send(new WatchResponse { Header = await CurrentAsync(), WatchId = id, Canceled = true });
    }

    private async Task PumpAsync(long id, KvWatcher watcher, CancellationToken token)
    {
        await Task.Yield();
        while (await watcher.ReadAsync(token) is { } response)
        {
            if (response.Canceled)
            {
                // etcd reports a compacted start by compact_revision alone: no reason, no revision in the header.
                var reason = response.CompactRevision != 0 ? string.Empty : response.CancelReason!;
                lock (_gate)
                {
                    _watchers.Remove(id);
                }

                Send(new WatchResponse { Header = EtcdHeaders.At(_backend, 0), WatchId = id, Canceled = true, CompactRevision = response.CompactRevision, CancelReason = reason });
                watcher.Dispose();
                return;
            }

            var answer = new WatchResponse { Header = EtcdHeaders.At(_backend, response.Revision), WatchId = id };
            answer.Events.AddRange(response.Events.Select(EtcdResponses.Event));
            Send(answer);
        }
    }

    private async Task NotifyProgressAsync(TimeSpan interval, TimeProvider time, CancellationToken token)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(token))
            {
                lock (_gate)
                {
                    foreach (var pump in _watchers.Values.Where(p => p.Watcher.Request.ProgressNotify))
                    {
                        pump.Watcher.RequestProgress();
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The stream ended.
        }
    }

    private async Task WriteAllAsync(IServerStreamWriter<WatchResponse> responses, CancellationToken token)
    {
        await Task.Yield();
        try
        {
            await foreach (var response in _out.Reader.ReadAllAsync(token))
            {
                await responses.WriteAsync(response, token);
            }
        }
        catch (OperationCanceledException)
        {
            // The stream ended.
        }
    }

    private void Send(WatchResponse response) => _out.Writer.TryWrite(response);

    private Task<ResponseHeader> CurrentAsync() => EtcdHeaders.CurrentAsync(_backend, _stop.Token);

    private sealed record Pump(KvWatcher Watcher, Task Task);
}
