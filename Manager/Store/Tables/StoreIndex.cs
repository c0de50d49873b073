using Google.Protobuf;

namespace ClusterKit.Manager.Store.Tables;

/// <summary>
/// A secondary index of one table: every row sits under one key (an empty key included), and the
/// store keeps the index current on every apply and restore, so a lookup costs the rows it returns.
/// </summary>
public abstract class StoreIndex
{
    private protected StoreIndex(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
    }

    /// <summary>Short name, for messages and benchmarks ("node", "service").</summary>
    public string Name { get; }

    /// <summary>The index's place in its table's list; set once when the table is registered.</summary>
    internal int Slot { get; private set; } = -1;

    internal StoreTable? Table { get; private set; }

    internal abstract string KeyOf(IMessage row);

    internal void Bind(StoreTable table, int slot)
    {
        if (Table is not null)
        {
            throw new InvalidOperationException($"index {Name} already belongs to table {Table.Name}; an index is registered with one table once");
        }

        Table = table;
        Slot = slot;
    }
}

/// <summary>An index over rows of type <typeparamref name="T"/>, keyed by one string the row carries.</summary>
public sealed class StoreIndex<T>(string name, Func<T, string> key) : StoreIndex(name)
    where T : class, IMessage<T>
{
    /// <summary>The lookup for every row whose key is <paramref name="value"/>.</summary>
    public IndexQuery<T> For(string value) => new(this, value ?? string.Empty);

    /// <summary>The key the row is filed under.</summary>
    public string KeyOf(T row) => key(row) ?? string.Empty;

    internal override string KeyOf(IMessage row) => KeyOf((T)row);
}

/// <summary>Rows of one table whose index key equals <see cref="Key"/>; pass it to <see cref="IReadTransaction.Find{T}(IndexQuery{T})"/>.</summary>
public readonly record struct IndexQuery<T>(StoreIndex<T> Index, string Key)
    where T : class, IMessage<T>;
