using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Raft;

namespace ClusterKit.Manager.Host.Membership;

/// <summary>
/// The replicated store as the manager's services use it, whichever Raft member the slot holds now; before init
/// or join every call fails with <see cref="LeaderUnavailableException"/> saying how to join.
/// </summary>
internal sealed class MemberStore(RaftMemberSlot member) : IStore
{
    private IStore Store => member.Current?.Store ?? throw new LeaderUnavailableException(RaftMemberSlot.NotJoinedMessage);

    public T View<T>(Func<IReadTransaction, T> read) => Store.View(read);

    public ValueTask<T> ReadAsync<T>(Func<IReadTransaction, T> read, CancellationToken token = default) => Store.ReadAsync(read, token);

    public Task<ulong> UpdateAsync(Action<WriteTransaction> update, CancellationToken token = default) => Store.UpdateAsync(update, token);

    public IAsyncEnumerable<StoreEvent> WatchAsync(CancellationToken token = default) => Store.WatchAsync(token);

    public (T View, IAsyncEnumerable<StoreEvent> Events) ViewAndWatch<T>(Func<IReadTransaction, T> read, CancellationToken token = default)
        => Store.ViewAndWatch(read, token);
}
