using ClusterKit.Manager.Store.Kv;
using ClusterKit.Proto.Manager.V1;
using DotNext.Net.Cluster;
using DotNext.Net.Cluster.Consensus.Raft;

namespace ClusterKit.Manager.Store.Raft;

/// <summary>
/// The replicated store: reads from this manager's copy (or linearizably, after a read
/// barrier), writes through Raft, group-committed on the leader and forwarded there from
/// followers.
/// </summary>
public sealed class RaftStore : IStore, IKvStore
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMilliseconds(500);

    private readonly IRaftCluster _cluster;
    private readonly GroupCommitter _committer;
    private readonly ForwardBatcher _forwarder;
    private readonly TimeProvider _time;
    private readonly TimeSpan _proposeTimeout;

    // Completed (and replaced) whenever the leader changes, so that writers waiting out a failover
    // retry as soon as a new leader is known instead of at the next step of their back-off.
    private TaskCompletionSource _leaderChanged = NewSignal();

    private readonly Func<long> _lastAppliedTerm;
    private readonly Func<bool> _holdsLeadership;
    private readonly Func<CancellationToken, ValueTask> _raftReadBarrier;
    private readonly Func<string, long, CancellationToken, Task<long>> _forwardKeepAlive;

    /// <param name="raftReadBarrier">DotNext's strong read barrier unless given (tests give one that fails as a busy network does).</param>
    /// <param name="forwardKeepAlive">Sends a lease keep-alive to the leader's API (none given: a follower refuses keep-alives).</param>
    internal RaftStore(IRaftCluster cluster, MemoryStore memory, GroupCommitter committer, ForwardBatcher forwarder, TimeProvider time, TimeSpan proposeTimeout, Func<long> lastAppliedTerm, Func<bool> holdsLeadership, Func<CancellationToken, ValueTask>? raftReadBarrier = null, Func<string, long, CancellationToken, Task<long>>? forwardKeepAlive = null)
    {
        _forwardKeepAlive = forwardKeepAlive ?? ((api, _, _) => Task.FromException<long>(new LeaderUnavailableException($"this manager cannot pass a lease keep-alive to the leader at {api}")));
        KvLeases = new KvLeaseClock(time);
        _raftReadBarrier = raftReadBarrier ?? (token => cluster.ApplyReadBarrierAsync(ReadBarrierType.Strong, token));
        _lastAppliedTerm = lastAppliedTerm;
        _holdsLeadership = holdsLeadership;
        _cluster = cluster;
        Memory = memory;
        _committer = committer;
        _forwarder = forwarder;
        _time = time;
        _proposeTimeout = proposeTimeout;
        cluster.LeaderChanged += OnLeaderChanged;
    }

    public MemoryStore Memory { get; }

    /// <summary>When leases expire; kept up to date only while this manager leads (the leader's lease loop, ADR 0017).</summary>
    public KvLeaseClock KvLeases { get; }

    public KvState Current => Memory.State.Kv;

    public KvWatchHub Watches => Memory.KvWatches;

    /// <summary>
    /// This manager leads the current term: DotNext makes it the leader and it has applied an entry of this term (its
    /// term-start entry, accepted by a majority). A leader that was paused and has learnt of a newer term is not.
    /// </summary>
    public bool IsLeader => LeadsByRaft && _lastAppliedTerm() == _cluster.Term;

    /// <summary>DotNext's view alone: where writes go (an entry appended by a leader that lost its term never commits).</summary>
    internal bool LeadsByRaft => _cluster.Leader is { IsRemote: false };

    public T View<T>(Func<IReadTransaction, T> read) => Memory.View(read);

    public async ValueTask<T> ReadAsync<T>(Func<IReadTransaction, T> read, CancellationToken token = default)
    {
        await ReadBarrierAsync(token).ConfigureAwait(false);
        return Memory.View(read);
    }

    /// <summary>
    /// Waits until this manager has applied everything committed before the call. A leader that cannot be reached for a
    /// moment (a connection refused or timed out while the machine is busy, a leader that just changed) is asked again
    /// with back-off for up to the propose timeout; a lost majority fails at once.
    /// </summary>
    public async ValueTask ReadBarrierAsync(CancellationToken token = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
        deadline.CancelAfter(_proposeTimeout);
        var delay = FirstRetryDelay;
        while (true)
        {
            var leaderChanged = Volatile.Read(ref _leaderChanged).Task;
            Exception unreachable;
            try
            {
                await ReadBarrierOnceAsync(deadline.Token).ConfigureAwait(false);
                return;
            }
            catch (QuorumUnreachableException e)
            {
                throw new LeaderUnavailableException("no leader is elected: a majority of managers is unreachable, so no read can be linearizable", e);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !token.IsCancellationRequested)
            {
                throw new LeaderUnavailableException($"the read barrier could not reach the leader within {_proposeTimeout.TotalSeconds:0.#} s");
            }
            catch (Exception e) when (IsTransient(e))
            {
                // The leader this follower knew went away or did not answer in time (connection refused, timeout).
                unreachable = e;
            }
            catch (Exception e) when (e is not OperationCanceledException and not LeaderUnavailableException)
            {
                throw new LeaderUnavailableException($"the read barrier could not reach the leader: {e.GetType().Name}: {e.Message}", e);
            }

            try
            {
                var newLeader = await WaitBeforeRetryAsync(delay, leaderChanged, deadline.Token).ConfigureAwait(false);
                delay = newLeader ? FirstRetryDelay : TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !token.IsCancellationRequested)
            {
                throw new LeaderUnavailableException($"the read barrier could not reach the leader within {_proposeTimeout.TotalSeconds:0.#} s: {unreachable.GetType().Name}: {unreachable.Message}", unreachable);
            }
        }
    }

    private static bool IsTransient(Exception error) =>
        error is MemberUnavailableException or TimeoutException or IOException or System.Net.Sockets.SocketException or HttpRequestException;

    private async ValueTask ReadBarrierOnceAsync(CancellationToken token)
    {
        await _raftReadBarrier(token).ConfigureAwait(false);

        // A leader new to its term may not yet count the last entries of the term before as committed (Raft
        // section 8), so the barrier may have waited for too little: it is complete only once this manager has
        // applied an entry of the current term (the new leader's first, empty one).
        // On the leader the barrier's replication round may end in this manager's own step-down (a paused leader that
        // resumed): its answer counts only if a majority renewed the lease, or it is taken again.
        while (_lastAppliedTerm() < _cluster.Term || (LeadsByRaft && !_holdsLeadership()))
        {
            await Task.Delay(FirstRetryDelay, _time, token).ConfigureAwait(false);
            await _raftReadBarrier(token).ConfigureAwait(false);
        }
    }

    public async Task<ulong> UpdateAsync(Action<WriteTransaction> update, CancellationToken token = default)
    {
        if (!LeadsByRaft)
        {
            // Build the transaction on a copy that has caught up with the leader, or the
            // version preconditions would fail against writes this follower has not seen yet.
            await ReadBarrierAsync(token).ConfigureAwait(false);
        }

        return await ProposeAsync(Memory.Prepare(update), token).ConfigureAwait(false);
    }

    public IAsyncEnumerable<StoreEvent> WatchAsync(CancellationToken token = default) => Memory.WatchAsync(token);

    public (T View, IAsyncEnumerable<StoreEvent> Events) ViewAndWatch<T>(Func<IReadTransaction, T> read, CancellationToken token = default)
        => Memory.ViewAndWatch(read, token);

    /// <summary>
    /// Commits a transaction from any manager: on the leader through group commit, on a follower
    /// by forwarding; retries while there is no leader, for up to the propose timeout.
    /// </summary>
    public async Task<ulong> ProposeAsync(Transaction transaction, CancellationToken token = default)
        => (await CommitAsync(transaction, token).ConfigureAwait(false)).VersionOrThrow();

    /// <summary>As <see cref="ProposeAsync"/>, but a rejected transaction is a verdict (with a key-value write's result or failure).</summary>
    public Task<StoreCommitResult> CommitAsync(Transaction transaction, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return OnLeaderAsync(
            t => _committer.SubmitAsync(transaction, t),
            (api, t) => _forwarder.ForwardCommitAsync(api, transaction, t),
            "write",
            token);
    }

    public async Task<KvWriteResult> WriteAsync(KvWrite write, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        return KvResultOf(await CommitAsync(new Transaction { Kv = write }, token).ConfigureAwait(false));
    }

    /// <summary>
    /// A key-value write committed from this manager only while it holds the leadership under its leader lease (the
    /// leader's own lease expiries); never forwarded.
    /// </summary>
    /// <exception cref="LeaderUnavailableException">This manager does not hold the leadership now.</exception>
    public async Task<KvWriteResult> WriteAsLeaderAsync(KvWrite write, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (!_holdsLeadership())
        {
            throw new LeaderUnavailableException("this manager does not hold the leadership under its leader lease");
        }

        return KvResultOf(await CommitAsLeaderAsync(new Transaction { Kv = write }, token).ConfigureAwait(false));
    }

    private static KvWriteResult KvResultOf(StoreCommitResult verdict)
        => verdict switch
        {
            { KvFailure: { } failure } => throw new KvException(failure),
            { IsCommitted: true, Kv: { } result } => result,
            _ => throw new InvalidOperationException($"a kv write was {(verdict.IsCommitted ? "committed without its result" : "rejected without a kv failure: " + verdict.Error)}"),
        };

    public async ValueTask<KvRead> RangeAsync(KvRange request, bool linearizable, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (linearizable)
        {
            await ReadBarrierAsync(token).ConfigureAwait(false);
        }

        var state = Current;
        return new KvRead(state.Revision, KvReads.Range(state, request));
    }

    public Task<long> KeepAliveAsync(long leaseId, CancellationToken token = default)
        => OnLeaderAsync(
            _ => Task.FromResult(KeepAliveAsLeader(leaseId)),
            (api, t) => _forwardKeepAlive(api, leaseId, t),
            "lease keep-alive",
            token);

    /// <summary>
    /// A keep-alive on this manager: only while it holds leadership under its leader lease (ADR 0017's rule), so that a
    /// successor, which starts every lease afresh when it takes over, never sees a refresh it does not count.
    /// </summary>
    /// <exception cref="LeaderUnavailableException">This manager does not hold the leadership now.</exception>
    public long KeepAliveAsLeader(long leaseId)
    {
        if (!_holdsLeadership())
        {
            throw new LeaderUnavailableException("this manager does not hold the leadership under its leader lease, so it cannot refresh a lease");
        }

        return KvLeases.KeepAlive(Current, leaseId) ?? throw KvException.LeaseNotFound(leaseId);
    }

    /// <summary>
    /// Runs <paramref name="local"/> on the leader, or <paramref name="remote"/> with the leader's API address on a
    /// follower; retries while there is no leader or it changes, for up to the propose timeout.
    /// </summary>
    private async Task<T> OnLeaderAsync<T>(Func<CancellationToken, Task<T>> local, Func<string, CancellationToken, Task<T>> remote, string what, CancellationToken token)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
        deadline.CancelAfter(_proposeTimeout);
        var delay = FirstRetryDelay;
        Exception? last = null;
        while (true)
        {
            // Taken before the attempt: a leader elected while it fails still wakes the wait below.
            var leaderChanged = Volatile.Read(ref _leaderChanged).Task;
            try
            {
                switch (_cluster.Leader)
                {
                    case { IsRemote: false }:
                        return await local(deadline.Token).ConfigureAwait(false);
                    case RaftClusterMember leader:
                        var api = await LeaderForwarder.ApiAddressAsync(leader, deadline.Token).ConfigureAwait(false);
                        return await remote(api, deadline.Token).ConfigureAwait(false);
                    default:
                        last = new LeaderUnavailableException("no leader is elected");
                        break;
                }
            }
            catch (NotLeaderException e)
            {
                // Raised before the entry was appended: safe to send again to the new leader.
                last = e;
            }
            catch (LeaderUnavailableException e)
            {
                last = e;
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !token.IsCancellationRequested)
            {
                throw TimedOut(what, last);
            }

            bool newLeader;
            try
            {
                newLeader = await WaitBeforeRetryAsync(delay, leaderChanged, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !token.IsCancellationRequested)
            {
                throw TimedOut(what, last);
            }

            // A new leader starts a new back-off: its first moments (no-op entry, API connection) may still refuse.
            delay = newLeader ? FirstRetryDelay : TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
        }
    }

    /// <summary>A forwarded write: only the leader takes it, so forwards never loop.</summary>
    public async Task<ulong> ProposeAsLeaderAsync(Transaction transaction, CancellationToken token = default)
        => (await CommitAsLeaderAsync(transaction, token).ConfigureAwait(false)).VersionOrThrow();

    /// <summary>As <see cref="ProposeAsLeaderAsync"/>, but a rejected transaction is a verdict (with a key-value write's result or failure).</summary>
    public Task<StoreCommitResult> CommitAsLeaderAsync(Transaction transaction, CancellationToken token = default)
    {
        if (!LeadsByRaft)
        {
            throw new LeaderUnavailableException("this manager is no longer the leader");
        }

        return VerdictAsLeaderAsync(_committer.SubmitAsync(transaction, token));
    }

    /// <summary>
    /// A follower's forwarded batch: only the leader takes it. The transactions are queued for group
    /// commit together, so they share log entries; one verdict task per transaction, in order. Throws
    /// <see cref="LeaderUnavailableException"/> when this manager is not the leader; a verdict task
    /// fails with it when leadership was lost before its entry was appended.
    /// </summary>
    public IReadOnlyList<Task<StoreCommitResult>> ProposeBatchAsLeader(IReadOnlyList<Transaction> transactions, CancellationToken token = default)
    {
        if (!LeadsByRaft)
        {
            throw new LeaderUnavailableException("this manager is no longer the leader");
        }

        return [.. _committer.SubmitGroup(transactions, token).Select(VerdictAsLeaderAsync)];
    }

    private static async Task<StoreCommitResult> VerdictAsLeaderAsync(Task<StoreCommitResult> verdict)
    {
        try
        {
            return await verdict.ConfigureAwait(false);
        }
        catch (NotLeaderException e)
        {
            throw new LeaderUnavailableException("this manager lost the leadership before the write was appended", e);
        }
    }

    /// <summary>The back-off delay, cut short when the leader changes; true when it was.</summary>
    private async Task<bool> WaitBeforeRetryAsync(TimeSpan delay, Task leaderChanged, CancellationToken token)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(token);
        var sleep = Task.Delay(delay, _time, wait.Token);
        var first = await Task.WhenAny(sleep, leaderChanged).ConfigureAwait(false);
        await wait.CancelAsync().ConfigureAwait(false);
        token.ThrowIfCancellationRequested();
        return first == leaderChanged;
    }

    private void OnLeaderChanged(ICluster cluster, IClusterMember? leader)
        => Interlocked.Exchange(ref _leaderChanged, NewSignal()).TrySetResult();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private LeaderUnavailableException TimedOut(string what, Exception? last)
        => new($"no leader {(what == "write" ? "committed the write" : "answered the " + what)} within {_proposeTimeout.TotalSeconds:0.#} s: {last?.Message ?? "no answer"}", last!);
}
