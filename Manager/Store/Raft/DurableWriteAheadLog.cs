using DotNext.IO.Log;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;

namespace ClusterKit.Manager.Store.Raft;

/// <summary>
/// DotNext's write-ahead log, except that entries a follower receives from the leader are on disk
/// before the follower answers. DotNext 6.12 appends them to mapped pages and answers at once,
/// flushing in the background, so an acknowledged commit could live in page caches only except on
/// the leader. <c>RaftCluster</c> calls the append through <see cref="IAuditTrail{TEntry}"/>, which
/// this class implements again: the append is followed by waiting for the log's flusher (data,
/// metadata and checkpoint) to cover the last entry. Concurrent appends share one flush cycle,
/// so syncs batch the way etcd's do. The leader's own appends (<c>ReplicateAsync</c>) take another
/// overload and are flushed before DotNext commits them, as before; snapshot installs keep DotNext's
/// own path.
/// </summary>
internal sealed class DurableWriteAheadLog : WriteAheadLog, IAuditTrail<IRaftLogEntry>
{
    private readonly Action _onLeaderProgress;
    private CancellationTokenSource _stalled = new();
    private long _followerSyncs;

    /// <param name="onLeaderProgress">Called for each entry received from the leader and when an append (a heartbeat included) has completed.</param>
    public DurableWriteAheadLog(Options options, IStateMachine stateMachine, Action onLeaderProgress)
        : base(options, stateMachine)
    {
        _onLeaderProgress = onLeaderProgress;
    }

    /// <summary>Syncs that a follower's append waited for (it carried entries above the commit index), for tests.</summary>
    public long FollowerSyncs => Interlocked.Read(ref _followerSyncs);

    /// <summary>
    /// Gives up the append that is receiving entries from a leader that stopped sending mid-message (paused with its
    /// connection open). DotNext holds its state lock and suspends the election timer while a follower receives
    /// entries, for as long as the receive timeout (the request timeout, 5 s): nothing, not even a vote for a new
    /// leader, happens on this manager meanwhile. Failing the append drops that connection (DotNext closes it on any
    /// error); the entries received so far stay in the log, uncommitted, as after any broken transfer.
    /// </summary>
    public void AbandonStalledAppend()
    {
        var stalled = Interlocked.Exchange(ref _stalled, new CancellationTokenSource());
        stalled.Cancel();
        stalled.Dispose();
    }

    async ValueTask IAuditTrail<IRaftLogEntry>.AppendAsync<TEntryImpl>(ILogEntryProducer<TEntryImpl> entries, long startIndex, bool skipCommitted, CancellationToken token)
    {
        // Entries at or below the commit index are skipped, not written: only the others need a sync.
        var received = entries.RemainingCount;
        var committed = LastCommittedEntryIndex;
        using (var receiving = CancellationTokenSource.CreateLinkedTokenSource(token, Volatile.Read(ref _stalled).Token))
        {
            await AppendAsync(new AbandonableProducer<TEntryImpl>(entries, _onLeaderProgress, receiving.Token), startIndex, skipCommitted, receiving.Token).ConfigureAwait(false);
        }

        if (received > 0 && startIndex + received - 1 > committed)
        {
            // The answer to the leader must wait until the new entries are on disk.
            await FlushAsync(token).ConfigureAwait(false);
            Interlocked.Increment(ref _followerSyncs);
        }

        _onLeaderProgress();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stalled.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>The leader's entries as DotNext reads them off the connection, each read cancellable and reported as progress.</summary>
    private sealed class AbandonableProducer<TEntry>(ILogEntryProducer<TEntry> inner, Action onProgress, CancellationToken abandon) : ILogEntryProducer<TEntry>
        where TEntry : IRaftLogEntry
    {
        public TEntry Current => inner.Current;

        public long RemainingCount => inner.RemainingCount;

        public async ValueTask<bool> MoveNextAsync()
        {
            var more = await inner.MoveNextAsync().AsTask().WaitAsync(abandon).ConfigureAwait(false);
            onProgress();
            return more;
        }

        // The connection's reader owns the inner producer.
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
