using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Store.Tables;

/// <summary>The cluster object (one row: its id, CA, join secrets and cluster-wide settings).</summary>
public static class ClusterTable
{
    public static StoreTable<Cluster> Descriptor { get; } = new()
    {
        Table = Table.Clusters,
        Name = "clusters",
        EnvelopeCase = StoreObject.ObjectOneofCase.Cluster,
        Key = static c => c.Id,
        NewWithKeyOf = static id => new Cluster { Id = id },
        Version = static c => c.Version,
        SetVersion = static (c, v) => c.Version = v,
        WrapRow = static c => new StoreObject { Cluster = c },
        UnwrapRow = static o => o.Cluster,
        SnapshotRows = static s => s.Clusters,
    };
}
