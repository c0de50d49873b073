using System.Runtime.CompilerServices;
using System.Threading.Channels;
using ClusterKit.Manager.Store.Kv;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Store;

/// <summary>
/// The in-memory store every manager holds: the tables of <see cref="Tables.StoreTables"/>, applied transaction by transaction
/// in log order, with typed change events for watchers. It knows nothing of Raft: the Raft
/// state machine feeds it committed transactions, and tests feed it directly.
/// </summary>
public sealed class MemoryStore
{
    /// <summary>Events a watcher may have unread before it is cut off (it must then re-read).</summary>
    public const int WatchBuffer = 64 * 1024;

    private readonly Lock _gate = new();
    private readonly List<Watcher> _watchers = [];
    private volatile StoreState _state = StoreState.Empty;

    public MemoryStore()
        : this(new KvWatchHub(KvState.Empty))
    {
    }

    /// <summary>A store whose key-value watchers are <paramref name="kvWatches"/> (tests choose its limits).</summary>
    public MemoryStore(KvWatchHub kvWatches)
    {
        ArgumentNullException.ThrowIfNull(kvWatches);
        KvWatches = kvWatches;
    }

    public ulong Version => _state.Version;

    /// <summary>Watchers of the key-value store, fed under the same lock as each commit (ADR 0017).</summary>
    public KvWatchHub KvWatches { get; }

    /// <summary>The current immutable state (for snapshots and tests).</summary>
    public StoreState State => _state;

    public T View<T>(Func<IReadTransaction, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        return read(new ReadTransaction(_state));
    }

    /// <summary>Runs an update callback against the current state and returns its mutations, unapplied.</summary>
    public Transaction Prepare(Action<WriteTransaction> update)
    {
        ArgumentNullException.ThrowIfNull(update);
        var tx = new WriteTransaction(_state);
        update(tx);
        if (tx.MutationCount == 0)
        {
            throw new ArgumentException("the update callback made no changes; a transaction needs at least one create, update, put or delete", nameof(update));
        }

        return tx.ToTransaction();
    }

    /// <summary>Applies a committed transaction (all or nothing) and publishes its events.</summary>
    public StoreCommitResult Apply(Transaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        lock (_gate)
        {
            var changes = new List<StoreEvent>(transaction.Mutations.Count + 1);
            var version = _state.Version + 1;
            var kv = transaction.Kv is null ? null : new KvApplyOutcome();
            var error = TransactionApplier.TryApply(_state, transaction, version, out var next, changes, kv);
            if (error is not null)
            {
                return StoreCommitResult.Rejected(error) with { KvFailure = kv?.Failure };
            }

            var kvChanged = !ReferenceEquals(next.Kv, _state.Kv);
            _state = next;
            changes.Add(new TransactionCommitted(version, changes.Count));
            PublishLocked(changes);
            if (kvChanged)
            {
                KvWatches.Publish(next.Kv, kv!.Events);
            }

            return StoreCommitResult.Committed(version) with { Kv = kv?.Result };
        }
    }

    /// <summary>Prepares and applies in one step: the single-process (unreplicated) write path.</summary>
    public ulong Update(Action<WriteTransaction> update)
    {
        lock (_gate)
        {
            return Apply(Prepare(update)).VersionOrThrow();
        }
    }

    /// <summary>Applies one key-value write unreplicated (tests, single-process tools): its result, or <see cref="KvException"/>.</summary>
    public KvWriteResult WriteKv(KvWrite write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var result = Apply(new Transaction { Kv = write });
        return result.KvFailure is { } failure ? throw new KvException(failure) : result.Kv!;
    }

    public StoreSnapshot CreateSnapshot() => StoreSnapshots.Capture(_state);

    /// <summary>Replaces the whole store; watchers get <see cref="StoreRestored"/> and must re-read.</summary>
    public void Restore(StoreSnapshot snapshot)
    {
        var state = StoreSnapshots.ToState(snapshot);
        lock (_gate)
        {
            _state = state;
            PublishLocked([new StoreRestored(state.Version)]);
            KvWatches.Reset(state.Kv);
        }
    }

    /// <summary>Events from now on, until <paramref name="token"/> is cancelled.</summary>
    public IAsyncEnumerable<StoreEvent> WatchAsync(CancellationToken token = default)
        => ViewAndWatch(static _ => 0, token).Events;

    /// <summary>A view and exactly the events after it: nothing missed, nothing twice.</summary>
    public (T View, IAsyncEnumerable<StoreEvent> Events) ViewAndWatch<T>(Func<IReadTransaction, T> read, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(read);
        var watcher = new Watcher(this);
        T view;
        lock (_gate)
        {
            view = read(new ReadTransaction(_state));
            _watchers.Add(watcher);
        }

        return (view, watcher.ReadAllAsync(token));
    }

    internal int WatcherCount
    {
        get
        {
            lock (_gate)
            {
                return _watchers.Count;
            }
        }
    }

    private void PublishLocked(List<StoreEvent> events)
    {
        for (var i = _watchers.Count - 1; i >= 0; i--)
        {
            var watcher = _watchers[i];
            foreach (var e in events)
            {
                if (!watcher.Channel.Writer.TryWrite(e))
                {
                    watcher.Channel.Writer.TryComplete(new WatchOverflowException(
                        $"a store watcher fell more than {WatchBuffer} events behind at version {e.Version}; re-read with ViewAndWatch"));
                    _watchers.RemoveAt(i);
                    break;
                }
            }
        }
    }

    private void Remove(Watcher watcher)
    {
        lock (_gate)
        {
            _watchers.Remove(watcher);
        }
    }

    private sealed class Watcher(MemoryStore store)
    {
        public Channel<StoreEvent> Channel { get; } = System.Threading.Channels.Channel.CreateBounded<StoreEvent>(
            new BoundedChannelOptions(WatchBuffer) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

        public async IAsyncEnumerable<StoreEvent> ReadAllAsync([EnumeratorCancellation] CancellationToken token)
        {
            try
            {
                await foreach (var e in Channel.Reader.ReadAllAsync(token).ConfigureAwait(false))
                {
                    yield return e;
                }
            }
            finally
            {
                store.Remove(this);
            }
        }
    }
}

/// <summary>The verdict on one transaction: committed at a version, or rejected with a reason.</summary>
public readonly record struct StoreCommitResult(ulong Version, string? Error)
{
    /// <summary>A committed key-value write's result (ADR 0017).</summary>
    public KvWriteResult? Kv { get; init; }

    /// <summary>Why a key-value write was rejected, with etcd's code.</summary>
    public KvFailure? KvFailure { get; init; }

    public bool IsCommitted => Error is null;

    public static StoreCommitResult Committed(ulong version) => new(version, null);

    public static StoreCommitResult Rejected(string error) => new(0, error);

    public ulong VersionOrThrow() => Error is null ? Version : throw new StoreConflictException(Error);
}
