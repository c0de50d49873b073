namespace ClusterKit.Manager.Store.Raft;

/// <summary>
/// Guards against the DotNext 6.12 failures that leave a follower alive but never catching up
/// (a snapshot re-sent forever; a WAL that fails every append after MissingPageException):
/// while a leader is known, a read barrier must succeed at least once per <c>stuckAfter</c>.
/// When it does not, <c>onStuck</c> is called once (the host then restarts the process).
/// </summary>
internal sealed class FollowerWatchdog : IAsyncDisposable
{
    private readonly Func<bool> _hasRemoteLeader;
    private readonly Func<CancellationToken, ValueTask> _probe;
    private readonly TimeSpan _stuckAfter;
    private readonly TimeProvider _time;
    private readonly Action<string> _onStuck;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    public FollowerWatchdog(Func<bool> hasRemoteLeader, Func<CancellationToken, ValueTask> probe, TimeSpan stuckAfter, TimeProvider time, Action<string> onStuck)
    {
        _hasRemoteLeader = hasRemoteLeader;
        _probe = probe;
        _stuckAfter = stuckAfter;
        _time = time;
        _onStuck = onStuck;
    }

    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token));

    /// <summary>One check; returns the time of the last healthy probe. Separate for tests.</summary>
    internal async Task<DateTimeOffset> CheckAsync(DateTimeOffset lastHealthy, CancellationToken token)
    {
        var now = _time.GetUtcNow();
        if (!_hasRemoteLeader())
        {
            // A leader or a member without a leader is not a lagging follower.
            return now;
        }

        using var probeTimeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        probeTimeout.CancelAfter(_stuckAfter / 4);
        try
        {
            await _probe(probeTimeout.Token).ConfigureAwait(false);
            return _time.GetUtcNow();
        }
        catch (Exception e) when (!token.IsCancellationRequested)
        {
            if (now - lastHealthy >= _stuckAfter)
            {
                _onStuck($"its read barrier has failed for {(now - lastHealthy).TotalSeconds:0} s while a leader is known (last error: {e.GetType().Name}: {e.Message})");
                return DateTimeOffset.MaxValue;
            }

            return lastHealthy;
        }
    }

    private async Task RunAsync(CancellationToken token)
    {
        var lastHealthy = _time.GetUtcNow();
        try
        {
            while (lastHealthy != DateTimeOffset.MaxValue)
            {
                await Task.Delay(_stuckAfter / 10, _time, token).ConfigureAwait(false);
                lastHealthy = await CheckAsync(lastHealthy, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
