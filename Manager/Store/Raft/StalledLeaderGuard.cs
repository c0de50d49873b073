namespace ClusterKit.Manager.Store.Raft;

/// <summary>
/// Makes a stalled leader (a long GC pause, a frozen VM, SIGSTOP: its TCP connections stay open)
/// cost what a dead one costs. In DotNext 6.12 two things wait for the stalled leader up to the
/// request timeout (5 s, kept long against the snapshot re-send fault), where a dead leader's
/// refused connection fails at once: a follower that was receiving entries when the leader stopped
/// sending holds its state lock and its election timer (<see cref="DurableWriteAheadLog.AbandonStalledAppend"/>),
/// and a pre-vote or vote waits for every member's answer, the stalled leader's included. This guard
/// watches the leader's progress (each entry received, each append completed, heartbeats included);
/// when there has been none for <c>stalledAfter</c> while this manager does not lead, it gives up on
/// the last known leader, every tick: the append being received fails (DotNext drops that
/// connection), and this manager's connection to it is closed so that a pre-vote or vote waiting on
/// it fails as "member unavailable" (<see cref="MemberConnection"/>), and the vote counts without it. A leader that is slow but sending keeps making progress; a snapshot install
/// (another path) is not touched.
/// </summary>
internal sealed class StalledLeaderGuard : IAsyncDisposable
{
    private readonly Func<bool> _leadsHere;
    private readonly Func<CancellationToken, ValueTask> _leaderTick;
    private readonly Func<CancellationToken, ValueTask<bool>> _giveUpOnLastLeader;
    private readonly TimeSpan _stalledAfter;
    private readonly TimeSpan _tick;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private long _lastLeaderTraffic;
    private Task _loop = Task.CompletedTask;

    /// <param name="leadsHere">true while this manager is the leader (nothing to watch then).</param>
    /// <param name="giveUpOnLastLeader">Gives up on the last leader this manager knew; false when there was none.</param>
    /// <param name="leaderTick">Run every tick while this manager leads (it drops connections to silent members while it cannot commit).</param>
    public StalledLeaderGuard(Func<bool> leadsHere, Func<CancellationToken, ValueTask<bool>> giveUpOnLastLeader, Func<CancellationToken, ValueTask> leaderTick, TimeSpan stalledAfter, TimeSpan tick, TimeProvider time)
    {
        _leaderTick = leaderTick;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(stalledAfter, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(tick, TimeSpan.Zero);
        _leadsHere = leadsHere;
        _giveUpOnLastLeader = giveUpOnLastLeader;
        _stalledAfter = stalledAfter;
        _tick = tick;
        _time = time;
        _lastLeaderTraffic = time.GetTimestamp();
    }

    /// <summary>Times this manager gave up on a leader that had gone silent.</summary>
    public long Interventions => Interlocked.Read(ref _interventions);

    private long _interventions;

    /// <summary>An append from the leader completed here, or a new leader became known: it is alive now.</summary>
    public void LeaderHeard() => Interlocked.Exchange(ref _lastLeaderTraffic, _time.GetTimestamp());

    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token));

    /// <summary>One check; true when it gave up on the last leader. Separate for tests.</summary>
    internal async Task<bool> CheckAsync(CancellationToken token)
    {
        if (_leadsHere())
        {
            await _leaderTick(token).ConfigureAwait(false);
            return false;
        }

        if (_time.GetElapsedTime(Interlocked.Read(ref _lastLeaderTraffic)) < _stalledAfter)
        {
            return false;
        }

        if (!await _giveUpOnLastLeader(token).ConfigureAwait(false))
        {
            return false;
        }

        Interlocked.Increment(ref _interventions);
        return true;
    }

    private async Task RunAsync(CancellationToken token)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_tick, _time, token).ConfigureAwait(false);
                await CheckAsync(token).ConfigureAwait(false);
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
