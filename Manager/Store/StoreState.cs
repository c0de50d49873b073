using System.Collections.Immutable;
using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;

namespace ClusterKit.Manager.Store;

/// <summary>
/// One immutable version of the whole store. Readers hold a reference and see a consistent
/// view however long they take; a commit builds the next state and swaps the reference.
/// </summary>
public sealed class StoreState
{
    private static readonly ImmutableDictionary<string, IMessage> EmptyTable =
        ImmutableDictionary.Create<string, IMessage>(StringComparer.Ordinal);

    private readonly ImmutableDictionary<string, IMessage>[] _tables;

    internal StoreState(ImmutableDictionary<string, IMessage>[] tables, ulong version)
    {
        _tables = tables;
        Version = version;
    }

    public static StoreState Empty { get; } = new(NewTables(), 0);

    /// <summary>The number of transactions committed so far; every object's version is one of these.</summary>
    public ulong Version { get; }

    internal ImmutableDictionary<string, IMessage> this[Table table] => _tables[Slot(table)];

    internal static ImmutableDictionary<string, IMessage>[] NewTables()
    {
        var tables = new ImmutableDictionary<string, IMessage>[StoreObjects.Tables.Count];
        Array.Fill(tables, EmptyTable);
        return tables;
    }

    internal ImmutableDictionary<string, IMessage>[] CopyTables() => (ImmutableDictionary<string, IMessage>[])_tables.Clone();

    internal static int Slot(Table table) => table switch
    {
        >= Table.Nodes and <= Table.Clusters => (int)table - 1,
        _ => throw new ArgumentOutOfRangeException(nameof(table), table, "a store table is nodes, services, tasks, networks, secrets, configs, kv or clusters"),
    };
}
