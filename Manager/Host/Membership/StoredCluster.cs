using ClusterKit.Manager.Store;
using ClusterObject = ClusterKit.Proto.Manager.V1.Cluster;

namespace ClusterKit.Manager.Host.Membership;

/// <summary>The one cluster object of the store (none before init has committed).</summary>
internal static class StoredCluster
{
    public static ClusterObject? Find(IReadTransaction tx)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var clusters = tx.List<ClusterObject>();
        return clusters.Count > 0 ? clusters[0] : null;
    }

    public static ClusterObject Get(IReadTransaction tx)
        => Find(tx) ?? throw new InvalidOperationException("the store has no cluster object: the cluster was not initialized");
}
