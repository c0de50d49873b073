
namespace ClusterKit.Manager.Store;

/// <summary>
/// The store as reconcilers and the control API use it, whether replicated (Raft) or local.
/// </summary>
public interface IStore
{
    /// <summary>A view of this manager's copy: fast, but on a follower it may trail the leader.</summary>
    T View<T>(Func<IReadTransaction, T> read);

    /// <summary>A linearizable view: reflects every write committed before the call.</summary>
    ValueTask<T> ReadAsync<T>(Func<IReadTransaction, T> read, CancellationToken token = default);

    /// <summary>Runs the callback, commits its mutations as one transaction, returns the store version it committed at.</summary>
    /// <exception cref="StoreConflictException">A precondition failed; nothing was applied.</exception>
    Task<ulong> UpdateAsync(Action<WriteTransaction> update, CancellationToken token = default);

    IAsyncEnumerable<StoreEvent> WatchAsync(CancellationToken token = default);

    (T View, IAsyncEnumerable<StoreEvent> Events) ViewAndWatch<T>(Func<IReadTransaction, T> read, CancellationToken token = default);
}

/// <summary>An unreplicated store for one process (tests of reconcilers, single-node tools).</summary>
public sealed class LocalStore(MemoryStore store) : IStore
{
    public MemoryStore Memory { get; } = store;

    public T View<T>(Func<IReadTransaction, T> read) => Memory.View(read);

    public ValueTask<T> ReadAsync<T>(Func<IReadTransaction, T> read, CancellationToken token = default)
        => ValueTask.FromResult(Memory.View(read));

    public Task<ulong> UpdateAsync(Action<WriteTransaction> update, CancellationToken token = default)
    {
        token.ThrowIfCancellationRequested();
        return Task.FromResult(Memory.Update(update));
    }

    public IAsyncEnumerable<StoreEvent> WatchAsync(CancellationToken token = default) => Memory.WatchAsync(token);

    public (T View, IAsyncEnumerable<StoreEvent> Events) ViewAndWatch<T>(Func<IReadTransaction, T> read, CancellationToken token = default)
        => Memory.ViewAndWatch(read, token);
}
