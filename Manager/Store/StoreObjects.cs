using ClusterKit.Manager.Store.Tables;
using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;

namespace ClusterKit.Manager.Store;

/// <summary>
/// Maps between the store's object types, their tables and the <see cref="StoreObject"/> envelope
/// that log entries carry, and reads the id and version every object has. Each answer comes from
/// the table's descriptor in <see cref="StoreTables"/>.
/// </summary>
public static class StoreObjects
{
    /// <summary>The tables in the order snapshots and listings use.</summary>
    public static IReadOnlyList<Table> Tables { get; } = [.. StoreTables.All.Select(t => t.Table)];

    public static Table TableOf<T>()
        where T : class, IMessage<T> => StoreTables.Of<T>().Table;

    public static Table TableOf(Type type) => StoreTables.Of(type).Table;

    public static Table TableOf(StoreObject envelope) => StoreTables.Of(envelope).Table;

    public static StoreObject Wrap(IMessage value) => StoreTables.Of(value).Wrap(value);

    public static IMessage Unwrap(StoreObject envelope) => StoreTables.Of(envelope).Unwrap(envelope);

    /// <summary>The object's key in its table: the id, or the key for kv pairs.</summary>
    public static string IdOf(IMessage value) => StoreTables.Of(value).KeyOf(value);

    public static ulong VersionOf(IMessage value) => StoreTables.Of(value).VersionOf(value);

    /// <summary>A deep copy, so that no caller can change an object the store holds.</summary>
    public static T Clone<T>(T value)
        where T : class, IMessage => (T)StoreTables.Of(value).Clone(value);

    public static string Name(Table table) => StoreTables.Of(table).Name;
}
