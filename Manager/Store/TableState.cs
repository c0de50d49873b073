using System.Collections.Immutable;
using ClusterKit.Manager.Store.Tables;
using Google.Protobuf;
using IdSet = System.Collections.Immutable.ImmutableSortedSet<string>;
using IndexMap = System.Collections.Immutable.ImmutableDictionary<string, System.Collections.Immutable.ImmutableSortedSet<string>>;
using RowMap = System.Collections.Immutable.ImmutableSortedDictionary<string, Google.Protobuf.IMessage>;

namespace ClusterKit.Manager.Store;

/// <summary>
/// One immutable version of one table: its rows in key order and, per index of the table, the keys
/// of the rows filed under each index key. Every change returns a new version sharing all it did not
/// touch; a change that keeps a row's index keys (a task's status) leaves the indexes as they are.
/// </summary>
internal sealed class TableState
{
    private static readonly RowMap NoRows =
        ImmutableSortedDictionary.Create<string, IMessage>(StringComparer.Ordinal);

    private static readonly IdSet NoIds = ImmutableSortedSet.Create<string>(StringComparer.Ordinal);

    private static readonly IndexMap NoKeys = ImmutableDictionary.Create<string, IdSet>(StringComparer.Ordinal);

    private readonly IndexMap[] _indexes;

    private TableState(StoreTable table, RowMap rows, IndexMap[] indexes)
    {
        Table = table;
        Rows = rows;
        _indexes = indexes;
    }

    public StoreTable Table { get; }

    /// <summary>Rows by key, in ordinal key order.</summary>
    public RowMap Rows { get; }

    public static TableState Empty(StoreTable table)
    {
        var indexes = new IndexMap[table.Indexes.Count];
        Array.Fill(indexes, NoKeys);
        return new TableState(table, NoRows, indexes);
    }

    /// <summary>A table holding exactly <paramref name="rows"/>, its indexes built in one pass (snapshot restore).</summary>
    public static TableState Build(StoreTable table, RowMap rows)
    {
        var indexes = new IndexMap[table.Indexes.Count];
        for (var i = 0; i < indexes.Length; i++)
        {
            var index = table.Indexes[i];
            var groups = new Dictionary<string, IdSet.Builder>(StringComparer.Ordinal);
            foreach (var (key, row) in rows)
            {
                var indexKey = index.KeyOf(row);
                if (!groups.TryGetValue(indexKey, out var group))
                {
                    group = NoIds.ToBuilder();
                    groups.Add(indexKey, group);
                }

                group.Add(key);
            }

            indexes[i] = NoKeys.SetItems(groups.Select(g => KeyValuePair.Create(g.Key, g.Value.ToImmutable())));
        }

        return new TableState(table, rows, indexes);
    }

    /// <summary>The keys of the rows filed under <paramref name="indexKey"/> in <paramref name="index"/>, in order.</summary>
    public IdSet Matches(StoreIndex index, string indexKey)
    {
        if (!ReferenceEquals(index.Table, Table))
        {
            throw new ArgumentException($"index {index.Name} belongs to table {index.Table?.Name ?? "none"}, not {Table.Name}", nameof(index));
        }

        return _indexes[index.Slot].GetValueOrDefault(indexKey, NoIds);
    }

    /// <summary>Stores <paramref name="row"/> under <paramref name="key"/>, replacing <paramref name="current"/> (null on create).</summary>
    public TableState Set(string key, IMessage? current, IMessage row)
    {
        IndexMap[]? indexes = null;
        for (var i = 0; i < _indexes.Length; i++)
        {
            var index = Table.Indexes[i];
            var newKey = index.KeyOf(row);
            var oldKey = current is null ? null : index.KeyOf(current);
            if (oldKey == newKey)
            {
                continue;
            }

            indexes ??= (IndexMap[])_indexes.Clone();
            if (oldKey is not null)
            {
                indexes[i] = Without(indexes[i], oldKey, key);
            }

            indexes[i] = indexes[i].SetItem(newKey, indexes[i].GetValueOrDefault(newKey, NoIds).Add(key));
        }

        return new TableState(Table, Rows.SetItem(key, row), indexes ?? _indexes);
    }

    public TableState Remove(string key, IMessage current)
    {
        var indexes = (IndexMap[])_indexes.Clone();
        for (var i = 0; i < indexes.Length; i++)
        {
            indexes[i] = Without(indexes[i], Table.Indexes[i].KeyOf(current), key);
        }

        return new TableState(Table, Rows.Remove(key), indexes);
    }

    // An index key with no rows left is dropped, so that the index never grows with keys of the past.
    private static IndexMap Without(
        IndexMap index, string indexKey, string key)
    {
        if (!index.TryGetValue(indexKey, out var group))
        {
            return index;
        }

        var rest = group.Remove(key);
        return rest.IsEmpty ? index.Remove(indexKey) : index.SetItem(indexKey, rest);
    }
}
