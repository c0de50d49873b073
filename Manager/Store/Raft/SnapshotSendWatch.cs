using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;

namespace ClusterKit.Manager.Store.Raft;

/// <summary>
/// The state machine as the write-ahead log sees it, with one addition: it notes when a snapshot is being sent to a
/// member (the leader writes the snapshot onto the connection). A member receiving a snapshot may take long to answer
/// (transfer, write, fsync, restore); cutting that request would bring back DotNext 6.12's snapshot re-send loop (ADR
/// 0006), so the leader closes no connection for a request timeout after a send began (<see cref="SentWithin"/>).
/// </summary>
internal sealed class SnapshotSendWatch(IStateMachine inner, TimeProvider time) : IStateMachine
{
    private long _lastSend;
    private int _sent;
    private WatchedSnapshot? _cached;

    /// <summary>True when a snapshot send began less than <paramref name="window"/> ago.</summary>
    public bool SentWithin(TimeSpan window)
        => Volatile.Read(ref _sent) != 0 && time.GetElapsedTime(Interlocked.Read(ref _lastSend)) < window;

    int IStateMachine.Version => inner.Version;

    public ISnapshot? Snapshot
    {
        get
        {
            if (inner.Snapshot is not { } snapshot)
            {
                return null;
            }

            // Asked for on every log read: one wrapper per snapshot, not per read.
            if (Volatile.Read(ref _cached) is { } cached && ReferenceEquals(cached.Inner, snapshot))
            {
                return cached;
            }

            var watched = new WatchedSnapshot(snapshot, this);
            Volatile.Write(ref _cached, watched);
            return watched;
        }
    }

    public ValueTask<long> ApplyAsync(LogEntry entry, CancellationToken token) => inner.ApplyAsync(entry, token);

    public ValueTask ReclaimGarbageAsync(long watermark, CancellationToken token) => inner.ReclaimGarbageAsync(watermark, token);

    private void OnSend()
    {
        Interlocked.Exchange(ref _lastSend, time.GetTimestamp());
        Volatile.Write(ref _sent, 1);
    }

    private sealed class WatchedSnapshot(ISnapshot inner, SnapshotSendWatch watch) : ISnapshot
    {
        public ISnapshot Inner => inner;

        public long Index => inner.Index;

        public long Term => inner.Term;

        public bool IsReusable => inner.IsReusable;

        public long? Length => inner.Length;

        public ValueTask WriteToAsync<TWriter>(TWriter writer, CancellationToken token)
            where TWriter : IAsyncBinaryWriter
        {
            watch.OnSend();
            return inner.WriteToAsync(writer, token);
        }
    }
}
