using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Dispatcher;

/// <summary>
/// Where the managers are, as workers need to know: the leader's API address and every manager's. The store and
/// the leadership are services of their own (<see cref="Store.IStore"/>, <see cref="Store.Leadership.ILeadership"/>).
/// </summary>
public interface IDispatcherCluster
{
    /// <summary>The leader's API address, or null while no leader is known.</summary>
    ValueTask<string?> LeaderApiAddressAsync(CancellationToken token);

    /// <summary>Every manager whose API address is known, ordered by node id.</summary>
    ValueTask<IReadOnlyList<ManagerAddress>> ManagersAsync(CancellationToken token);
}
