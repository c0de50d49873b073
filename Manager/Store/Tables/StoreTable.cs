using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace ClusterKit.Manager.Store.Tables;

/// <summary>
/// Everything the store knows about one table, in one place: its enum value and name, the key and
/// version of a row, the envelope case log entries carry, the snapshot field, the change event and
/// the secondary indexes. The store core works through these descriptors and never switches on types.
/// </summary>
public abstract class StoreTable
{
    public required Table Table { get; init; }

    /// <summary>Plural name used in messages ("tasks").</summary>
    public required string Name { get; init; }

    public abstract Type ObjectType { get; }

    /// <summary>The indexes the store maintains for this table, in slot order.</summary>
    public abstract IReadOnlyList<StoreIndex> Indexes { get; }

    /// <summary>The field of <see cref="StoreObject"/> that carries this table's rows.</summary>
    internal abstract StoreObject.ObjectOneofCase Case { get; }

    /// <summary>The envelope's field name ("task"), for messages about log entries.</summary>
    internal string EnvelopeField => StoreObject.Descriptor.FindFieldByNumber((int)Case).Name;

    internal abstract string KeyOf(IMessage row);

    internal abstract ulong VersionOf(IMessage row);

    internal abstract IMessage Clone(IMessage row);

    internal abstract StoreObject Wrap(IMessage row);

    internal abstract IMessage Unwrap(StoreObject envelope);

    internal abstract IMessage NewWithKey(string key);

    /// <summary>A copy of <paramref name="row"/> as the store keeps it at <paramref name="version"/>.</summary>
    internal abstract IMessage ToStored(IMessage row, IMessage? current, ulong version);

    internal abstract StoreEvent Change(ulong version, ChangeKind kind, IMessage? old, IMessage? @new);

    /// <summary>Appends rows (already in key order) to this table's field of a snapshot.</summary>
    internal abstract void AddToSnapshot(StoreSnapshot snapshot, IEnumerable<IMessage> rows);

    internal abstract IEnumerable<IMessage> RowsOf(StoreSnapshot snapshot);
}

/// <summary>The descriptor of the table holding <typeparamref name="T"/>; each table file declares one.</summary>
public sealed class StoreTable<T> : StoreTable
    where T : class, IMessage<T>
{
    private readonly IReadOnlyList<StoreIndex<T>> _indexes = [];

    public override Type ObjectType => typeof(T);

    public required StoreObject.ObjectOneofCase EnvelopeCase { get; init; }

    public required Func<T, string> Key { get; init; }

    public required Func<string, T> NewWithKeyOf { get; init; }

    public required Func<T, ulong> Version { get; init; }

    public required Action<T, ulong> SetVersion { get; init; }

    public required Func<T, StoreObject> WrapRow { get; init; }

    public required Func<StoreObject, T> UnwrapRow { get; init; }

    public required Func<StoreSnapshot, RepeatedField<T>> SnapshotRows { get; init; }

    /// <summary>Extra fields the store sets when it stores a row (the row, the row it replaces, the version).</summary>
    public Action<T, T?, ulong>? OnStore { get; init; }

    public IReadOnlyList<StoreIndex<T>> TypedIndexes
    {
        get => _indexes;
        init
        {
            _indexes = value;
            for (var i = 0; i < value.Count; i++)
            {
                value[i].Bind(this, i);
            }
        }
    }

    public override IReadOnlyList<StoreIndex> Indexes => _indexes;

    internal override StoreObject.ObjectOneofCase Case => EnvelopeCase;

    internal override string KeyOf(IMessage row) => Key((T)row);

    internal override ulong VersionOf(IMessage row) => Version((T)row);

    internal override IMessage Clone(IMessage row) => ((T)row).Clone();

    internal override StoreObject Wrap(IMessage row) => WrapRow((T)row);

    internal override IMessage Unwrap(StoreObject envelope) => UnwrapRow(envelope);

    internal override IMessage NewWithKey(string key) => NewWithKeyOf(key);

    internal override IMessage ToStored(IMessage row, IMessage? current, ulong version)
    {
        var stored = ((T)row).Clone();
        SetVersion(stored, version);
        OnStore?.Invoke(stored, (T?)current, version);
        return stored;
    }

    internal override StoreEvent Change(ulong version, ChangeKind kind, IMessage? old, IMessage? @new)
        => new ObjectChange<T>(version, kind, (T?)old, (T?)@new);

    internal override void AddToSnapshot(StoreSnapshot snapshot, IEnumerable<IMessage> rows)
    {
        var into = SnapshotRows(snapshot);
        foreach (var row in rows)
        {
            into.Add((T)row);
        }
    }

    internal override IEnumerable<IMessage> RowsOf(StoreSnapshot snapshot) => SnapshotRows(snapshot);
}
