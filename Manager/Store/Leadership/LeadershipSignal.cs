using ClusterKit.Manager.Store.Raft;
using DotNext.Net.Cluster;
using DotNext.Net.Cluster.Consensus.Raft;

namespace ClusterKit.Manager.Store.Leadership;

/// <summary>
/// The manager's one leadership signal, fed by DotNext's leader-changed events of the Raft member it
/// <see cref="Follow"/>s (a manager replaces its member on join or --force-new-cluster, the signal stays).
/// </summary>
public sealed class LeadershipSignal : ILeadership, IDisposable
{
    // Observations are applied one at a time, events included, so that handlers see ends and starts in order.
    private readonly Lock _observe = new();
    private readonly TimeProvider _time;
    private LeaderTerm? _current;
    private TaskCompletionSource<LeaderTerm> _next = NewWaiter();

    /// <param name="time">The clock of the wait for a new leader's term-start entry.</param>
    public LeadershipSignal(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    public LeaderTerm? Current => Volatile.Read(ref _current);

    public event EventHandler<LeaderTerm>? TermStarted;

    public event EventHandler<LeaderTerm>? TermEnded;

    public Task<LeaderTerm> WaitForTermAsync(CancellationToken token)
    {
        lock (_observe)
        {
            return _current is { IsOver: false } current ? Task.FromResult(current) : _next.Task.WaitAsync(token);
        }
    }

    /// <summary>
    /// What this manager is now: the leader of <paramref name="leadingTerm"/>, or not leading (null). A change of
    /// term ends the old term before the new one starts; the same term again changes nothing.
    /// </summary>
    public void Observe(long? leadingTerm)
    {
        lock (_observe)
        {
            var current = _current;
            if (current?.Term == leadingTerm)
            {
                return;
            }

            if (current is not null)
            {
                Volatile.Write(ref _current, null);
                current.End();
                TermEnded?.Invoke(this, current);
            }

            if (leadingTerm is { } term)
            {
                var started = new LeaderTerm(term);
                Volatile.Write(ref _current, started);
                var waiter = _next;
                _next = NewWaiter();

                // Subscribers hear of the term before anyone waiting for it goes on (a waiter could otherwise act on
                // the term before they did: seen in LeadershipSignalTests on a loaded machine).
                TermStarted?.Invoke(this, started);
                waiter.TrySetResult(started);
            }
        }
    }

    /// <summary>
    /// Follows <paramref name="node"/>'s leadership until the returned handle is disposed, which ends a term it leads.
    /// A term starts once the node leads it by <see cref="RaftStore.IsLeader"/>: DotNext made it the leader and it has
    /// applied an entry of that term (before that, what the previous leader committed may not be applied here yet).
    /// </summary>
    public IDisposable Follow(RaftNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return new Following(this, node, _time);
    }

    public void Dispose() => Observe(null);

    private static TaskCompletionSource<LeaderTerm> NewWaiter() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class Following : IDisposable
    {
        private static readonly TimeSpan TermStartPoll = TimeSpan.FromMilliseconds(20);
        private readonly LeadershipSignal _signal;
        private readonly RaftNode _node;
        private readonly TimeProvider _time;
        private readonly CancellationTokenSource _disposed = new();
        private readonly CancellationToken _stopped;
        private int _waiting;
        private int _ended;

        public Following(LeadershipSignal signal, RaftNode node, TimeProvider time)
        {
            _signal = signal;
            _node = node;
            _time = time;
            _stopped = _disposed.Token;
            node.Cluster.LeaderChanged += OnLeaderChanged;

            // Elected before this subscription: the state now counts.
            Refresh();
        }

        private void OnLeaderChanged(ICluster cluster, IClusterMember? leader) => Refresh();

        // The live state, not the event's argument: an event delivered late must not undo a newer one.
        private void Refresh()
        {
            if (Volatile.Read(ref _ended) != 0)
            {
                return;
            }

            var store = _node.Store;
            var term = _node.Cluster.Term;
            if (store.IsLeader)
            {
                _signal.Observe(term);
                return;
            }

            _signal.Observe(null);
            if (store.LeadsByRaft && Interlocked.Exchange(ref _waiting, 1) == 0)
            {
                _ = WaitForTermStartAsync(term);
            }
        }

        /// <summary>Elected, its term-start entry not applied yet: looks again until it is, or the term is over.</summary>
        private async Task WaitForTermStartAsync(long term)
        {
            try
            {
                while (_node.Cluster.Term == term && _node.Store.LeadsByRaft && !_node.Store.IsLeader)
                {
                    await Task.Delay(TermStartPoll, _time, _stopped).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            finally
            {
                Volatile.Write(ref _waiting, 0);
            }

            Refresh();
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                _node.Cluster.LeaderChanged -= OnLeaderChanged;
                _disposed.Cancel();
                _disposed.Dispose();
                _signal.Observe(null);
            }
        }
    }
}
