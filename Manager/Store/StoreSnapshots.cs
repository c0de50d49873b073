using System.Collections.Immutable;
using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace ClusterKit.Manager.Store;

/// <summary>Whole-store snapshots: a state to one protobuf message (objects sorted by id) and back.</summary>
public static class StoreSnapshots
{
    public static StoreSnapshot Capture(StoreState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var snapshot = new StoreSnapshot { Version = state.Version };
        AddSorted(state[Table.Nodes], snapshot.Nodes);
        AddSorted(state[Table.Services], snapshot.Services);
        AddSorted(state[Table.Tasks], snapshot.Tasks);
        AddSorted(state[Table.Networks], snapshot.Networks);
        AddSorted(state[Table.Secrets], snapshot.Secrets);
        AddSorted(state[Table.Configs], snapshot.Configs);
        AddSorted(state[Table.Kv], snapshot.Kv);
        AddSorted(state[Table.Clusters], snapshot.Clusters);
        return snapshot;
    }

    public static StoreState ToState(StoreSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var tables = StoreState.NewTables();
        Load(tables, Table.Nodes, snapshot.Nodes, snapshot.Version);
        Load(tables, Table.Services, snapshot.Services, snapshot.Version);
        Load(tables, Table.Tasks, snapshot.Tasks, snapshot.Version);
        Load(tables, Table.Networks, snapshot.Networks, snapshot.Version);
        Load(tables, Table.Secrets, snapshot.Secrets, snapshot.Version);
        Load(tables, Table.Configs, snapshot.Configs, snapshot.Version);
        Load(tables, Table.Kv, snapshot.Kv, snapshot.Version);
        Load(tables, Table.Clusters, snapshot.Clusters, snapshot.Version);
        return new StoreState(tables, snapshot.Version);
    }

    private static void AddSorted<T>(ImmutableDictionary<string, IMessage> rows, RepeatedField<T> into)
        where T : class, IMessage<T>
    {
        foreach (var key in rows.Keys.Order(StringComparer.Ordinal))
        {
            into.Add((T)rows[key]);
        }
    }

    private static void Load<T>(ImmutableDictionary<string, IMessage>[] tables, Table table, RepeatedField<T> rows, ulong snapshotVersion)
        where T : class, IMessage<T>
    {
        var builder = ImmutableDictionary.CreateBuilder<string, IMessage>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var id = StoreObjects.IdOf(row);
            var version = StoreObjects.VersionOf(row);
            if (string.IsNullOrEmpty(id))
            {
                throw new InvalidStoreObjectException($"snapshot at version {snapshotVersion}: a row of {StoreObjects.Name(table)} has an empty id");
            }

            if (version > snapshotVersion)
            {
                throw new InvalidStoreObjectException($"snapshot at version {snapshotVersion}: {StoreObjects.Name(table)} {id} has version {version}, newer than the snapshot");
            }

            if (!builder.TryAdd(id, row.Clone()))
            {
                throw new InvalidStoreObjectException($"snapshot at version {snapshotVersion}: {StoreObjects.Name(table)} {id} appears twice");
            }
        }

        tables[StoreState.Slot(table)] = builder.ToImmutable();
    }
}
