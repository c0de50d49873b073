using ClusterKit.Manager.Store.Tables;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Store;

/// <summary>Writes every object of a snapshot back into a store (recovering a cluster from one manager's data).</summary>
public static class StoreRestore
{
    public static void PutAll(WriteTransaction tx, StoreSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(snapshot);

        // The cluster object first, as a cluster's first transaction has it, then the tables in order.
        foreach (var table in StoreTables.All.OrderBy(t => t.Table != Table.Clusters))
        {
            foreach (var row in table.RowsOf(snapshot))
            {
                tx.Put(table, row);
            }
        }
    }
}
