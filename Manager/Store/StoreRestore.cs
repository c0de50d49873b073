using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;

namespace ClusterKit.Manager.Store;

/// <summary>Writes every object of a snapshot back into a store (recovering a cluster from one manager's data).</summary>
public static class StoreRestore
{
    public static void PutAll(WriteTransaction tx, StoreSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(snapshot);
        PutEach(tx, snapshot.Clusters);
        PutEach(tx, snapshot.Nodes);
        PutEach(tx, snapshot.Services);
        PutEach(tx, snapshot.Tasks);
        PutEach(tx, snapshot.Networks);
        PutEach(tx, snapshot.Secrets);
        PutEach(tx, snapshot.Configs);
        PutEach(tx, snapshot.Kv);
    }

    private static void PutEach<T>(WriteTransaction tx, IEnumerable<T> rows)
        where T : class, IMessage<T>
    {
        foreach (var row in rows)
        {
            tx.Put(row);
        }
    }
}
