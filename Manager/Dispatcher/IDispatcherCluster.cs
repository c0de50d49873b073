using ClusterKit.Manager.Store;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Dispatcher;

/// <summary>What the dispatcher needs from this manager's place in the cluster.</summary>
public interface IDispatcherCluster
{
    /// <summary>The replicated store (writes go through Raft).</summary>
    IStore Store { get; }

    /// <summary>True while this manager is the Raft leader: only the leader holds sessions.</summary>
    bool IsLeader { get; }

    /// <summary>The leader's API address, or null while no leader is known.</summary>
    ValueTask<string?> LeaderApiAddressAsync(CancellationToken token);

    /// <summary>Every manager whose API address is known, ordered by node id.</summary>
    ValueTask<IReadOnlyList<ManagerAddress>> ManagersAsync(CancellationToken token);
}
