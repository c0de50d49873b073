using System.Collections.Immutable;
using ClusterKit.Manager.Store.Kv;
using ClusterKit.Manager.Store.Tables;
using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;

namespace ClusterKit.Manager.Store;

/// <summary>Whole-store snapshots: a state to one protobuf message (objects sorted by id) and back.</summary>
public static class StoreSnapshots
{
    public static StoreSnapshot Capture(StoreState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var snapshot = new StoreSnapshot { Version = state.Version, KvState = KvSnapshots.Capture(state.Kv) };
        foreach (var table in StoreTables.All)
        {
            // Rows are kept in ordinal key order, so every manager writes the same bytes.
            table.AddToSnapshot(snapshot, state[table].Rows.Values);
        }

        return snapshot;
    }

    public static StoreState ToState(StoreSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var tables = new TableState[StoreTables.All.Count];
        foreach (var table in StoreTables.All)
        {
            tables[StoreTables.Slot(table.Table)] = Load(table, snapshot);
        }

        return new StoreState(tables, snapshot.Version, KvSnapshots.ToState(snapshot.KvState));
    }

    private static TableState Load(StoreTable table, StoreSnapshot snapshot)
    {
        var builder = ImmutableSortedDictionary.CreateBuilder<string, IMessage>(StringComparer.Ordinal);
        foreach (var row in table.RowsOf(snapshot))
        {
            var id = table.KeyOf(row);
            var version = table.VersionOf(row);
            if (string.IsNullOrEmpty(id))
            {
                throw new InvalidStoreObjectException($"snapshot at version {snapshot.Version}: a row of {table.Name} has an empty id");
            }

            if (version > snapshot.Version)
            {
                throw new InvalidStoreObjectException($"snapshot at version {snapshot.Version}: {table.Name} {id} has version {version}, newer than the snapshot");
            }

            if (!builder.TryAdd(id, table.Clone(row)))
            {
                throw new InvalidStoreObjectException($"snapshot at version {snapshot.Version}: {table.Name} {id} appears twice");
            }
        }

        return TableState.Build(table, builder.ToImmutable());
    }
}
