namespace ClusterKit.Manager.Store.Raft;

/// <summary>
/// Guards against the DotNext 6.12 failures that leave a follower alive but never catching up
/// (a snapshot re-sent forever; a WAL that fails every append after MissingPageException):
/// a manager that is not the leader must see a leader and pass a read barrier at least once
/// per <c>stuckAfter</c>. When it does not, <c>onStuck</c> is called once (the host then
/// restarts the process). The soak test showed the re-sent snapshot leaves the follower
/// without a leader, so "no leader" counts as a failure too; a manager cut off in a minority
/// is restarted as well, which costs nothing.
/// </summary>
internal sealed class FollowerWatchdog : IAsyncDisposable
{
    private readonly Func<bool?> _leaderState;
    private readonly Func<CancellationToken, ValueTask> _probe;
    private readonly TimeSpan _stuckAfter;
    private readonly TimeProvider _time;
    private readonly Action<string> _onStuck;
    private readonly TimeSpan _firstCatchUpAfter;
    private readonly CancellationTokenSource _stop = new();
    private bool _caughtUp;
    private Task _loop = Task.CompletedTask;

    /// <param name="leaderState">true: another manager leads; false: this one leads; null: no leader known.</param>
    /// <param name="firstCatchUpAfter">
    /// The allowance until the first healthy check (default: <paramref name="stuckAfter"/>): a joining manager's first
    /// catch-up (the leader's snapshot, then the log) runs while the cluster adds it, and takes longer on a busy host.
    /// </param>
    public FollowerWatchdog(Func<bool?> leaderState, Func<CancellationToken, ValueTask> probe, TimeSpan stuckAfter, TimeProvider time, Action<string> onStuck, TimeSpan? firstCatchUpAfter = null)
    {
        _firstCatchUpAfter = firstCatchUpAfter ?? stuckAfter;
        _leaderState = leaderState;
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
        switch (_leaderState())
        {
            case false:
                _caughtUp = true;
                return now;
            case null:
                return Fail(lastHealthy, now, "no leader is known");
        }

        using var probeTimeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        probeTimeout.CancelAfter(_stuckAfter / 4);
        try
        {
            await _probe(probeTimeout.Token).ConfigureAwait(false);
            _caughtUp = true;
            return _time.GetUtcNow();
        }
        catch (Exception e) when (!token.IsCancellationRequested)
        {
            return Fail(lastHealthy, now, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private DateTimeOffset Fail(DateTimeOffset lastHealthy, DateTimeOffset now, string error)
    {
        if (now - lastHealthy < (_caughtUp ? _stuckAfter : _firstCatchUpAfter))
        {
            return lastHealthy;
        }

        _onStuck($"it has not caught up with a leader for {(now - lastHealthy).TotalSeconds:0} s (last error: {error})");
        return DateTimeOffset.MaxValue;
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
