using ClusterKit.Manager.Store.Kv;
using ClusterKit.Manager.Store.Tables;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Store;

/// <summary>
/// One immutable version of the whole store. Readers hold a reference and see a consistent
/// view however long they take; a commit builds the next state and swaps the reference.
/// </summary>
public sealed class StoreState
{
    private readonly TableState[] _tables;

    internal StoreState(TableState[] tables, ulong version, KvState kv)
    {
        _tables = tables;
        Version = version;
        Kv = kv;
    }

    public static StoreState Empty { get; } = new(NewTables(), 0, KvState.Empty);

    /// <summary>The number of transactions committed so far; every object's version is one of these.</summary>
    public ulong Version { get; }

    /// <summary>The etcd-compatible key-value store (ADR 0017): its own revisions, history and leases.</summary>
    public KvState Kv { get; }

    internal TableState this[Table table] => _tables[StoreTables.Slot(table)];

    internal TableState this[StoreTable table] => _tables[StoreTables.Slot(table.Table)];

    internal static TableState[] NewTables() => [.. StoreTables.All.Select(TableState.Empty)];

    internal TableState[] CopyTables() => (TableState[])_tables.Clone();

    /// <summary>The same tables (never changed once built, so shared) with another key-value section.</summary>
    internal StoreState WithKv(KvState kv, ulong version) => new(_tables, version, kv);
}
