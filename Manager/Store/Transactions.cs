using ClusterKit.Manager.Store.Kv;
using ClusterKit.Manager.Store.Tables;
using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;

namespace ClusterKit.Manager.Store;

/// <summary>A consistent read-only view of the store. Objects returned are copies, in key order.</summary>
public interface IReadTransaction
{
    /// <summary>The store version this view shows.</summary>
    ulong Version { get; }

    /// <summary>The key-value store as of this view (read it with <see cref="KvReads"/>).</summary>
    KvState Kv { get; }

    T? Get<T>(string id)
        where T : class, IMessage<T>;

    IReadOnlyList<T> List<T>()
        where T : class, IMessage<T>;

    /// <summary>Every object of the table that matches: a scan of the whole table.</summary>
    IReadOnlyList<T> Find<T>(Func<T, bool> predicate)
        where T : class, IMessage<T>;

    /// <summary>The objects filed under one key of an index (e.g. <see cref="TaskTable.ByNode"/>): costs what it returns.</summary>
    IReadOnlyList<T> Find<T>(IndexQuery<T> query)
        where T : class, IMessage<T>;

    int Count<T>()
        where T : class, IMessage<T>;

    /// <summary>How many objects an index holds under one key, without copying them.</summary>
    int Count<T>(IndexQuery<T> query)
        where T : class, IMessage<T>;

    /// <summary>One object of any table, in its envelope (for APIs that name the table at run time).</summary>
    StoreObject? GetObject(Table table, string id);
}

/// <summary>Reads of one <see cref="StoreState"/>.</summary>
public sealed class ReadTransaction : IReadTransaction
{
    private readonly StoreState _state;

    internal ReadTransaction(StoreState state)
    {
        _state = state;
    }

    public ulong Version => _state.Version;

    public KvState Kv => _state.Kv;

    public T? Get<T>(string id)
        where T : class, IMessage<T> => StateReads.Get<T>(_state, id);

    public IReadOnlyList<T> List<T>()
        where T : class, IMessage<T> => StateReads.Find<T>(_state, null);

    public IReadOnlyList<T> Find<T>(Func<T, bool> predicate)
        where T : class, IMessage<T> => StateReads.Find(_state, predicate);

    public IReadOnlyList<T> Find<T>(IndexQuery<T> query)
        where T : class, IMessage<T> => StateReads.Find(_state, query);

    public int Count<T>()
        where T : class, IMessage<T> => _state[StoreTables.Of<T>()].Rows.Count;

    public int Count<T>(IndexQuery<T> query)
        where T : class, IMessage<T> => StateReads.Count(_state, query);

    /// <summary>One object of any table, in its envelope (for APIs that name the table at run time).</summary>
    public StoreObject? GetObject(Table table, string id) => StateReads.GetObject(_state, table, id);
}

/// <summary>
/// Collects the mutations of one Update callback. Reads see the transaction's own writes;
/// preconditions are checked as the callback goes (so mistakes fail at once, in the caller)
/// and again when the transaction is applied from the log (so a concurrent writer that got
/// there first makes this one fail with <see cref="StoreConflictException"/>, never lose data).
/// </summary>
public sealed class WriteTransaction : IReadTransaction
{
    private readonly Transaction _transaction = new();
    private StoreState _working;

    internal WriteTransaction(StoreState state)
    {
        _working = state;
        BaseVersion = state.Version;
    }

    /// <summary>The store version the callback started from.</summary>
    public ulong BaseVersion { get; }

    public ulong Version => _working.Version;

    public KvState Kv => _working.Kv;

    public int MutationCount => _transaction.Mutations.Count;

    public T? Get<T>(string id)
        where T : class, IMessage<T> => StateReads.Get<T>(_working, id);

    public IReadOnlyList<T> List<T>()
        where T : class, IMessage<T> => StateReads.Find<T>(_working, null);

    public IReadOnlyList<T> Find<T>(Func<T, bool> predicate)
        where T : class, IMessage<T> => StateReads.Find(_working, predicate);

    public IReadOnlyList<T> Find<T>(IndexQuery<T> query)
        where T : class, IMessage<T> => StateReads.Find(_working, query);

    public int Count<T>()
        where T : class, IMessage<T> => _working[StoreTables.Of<T>()].Rows.Count;

    public int Count<T>(IndexQuery<T> query)
        where T : class, IMessage<T> => StateReads.Count(_working, query);

    public StoreObject? GetObject(Table table, string id) => StateReads.GetObject(_working, table, id);

    /// <summary>Adds a new object; its id must not exist.</summary>
    public void Create<T>(T value)
        where T : class, IMessage<T> => Add(Mutation.Types.Kind.Create, StoreTables.Of<T>(), value, 0);

    /// <summary>Replaces an object read in this transaction; fails if someone changed it since (its version moved).</summary>
    public void Update<T>(T value)
        where T : class, IMessage<T>
    {
        var table = StoreTables.Of<T>();
        Add(Mutation.Types.Kind.Update, table, value, table.Version(value));
    }

    /// <summary>Creates or replaces an object whatever its version (last writer wins).</summary>
    public void Put<T>(T value)
        where T : class, IMessage<T> => Add(Mutation.Types.Kind.Put, StoreTables.Of<T>(), value, 0);

    /// <summary>Put for a table named at run time (restoring every table of a snapshot).</summary>
    internal void Put(StoreTable table, IMessage value) => Add(Mutation.Types.Kind.Put, table, value, 0);

    /// <summary>Removes an object; fails if it does not exist or changed since this transaction read it.</summary>
    public void Delete<T>(string id)
        where T : class, IMessage<T>
    {
        var table = StoreTables.Of<T>();
        var current = _working[table].Rows.GetValueOrDefault(id);
        var expected = current is null ? 0 : table.VersionOf(current);
        Add(Mutation.Types.Kind.Delete, table, current ?? table.NewWithKey(id), expected);
    }

    /// <summary>
    /// Removes an object as it was read (at its version), wherever it was read: fails when it is gone or changed since,
    /// so a delete decided on an earlier view never removes a newer row.
    /// </summary>
    public void Delete<T>(T read)
        where T : class, IMessage<T>
    {
        ArgumentNullException.ThrowIfNull(read);
        var table = StoreTables.Of<T>();
        Add(Mutation.Types.Kind.Delete, table, read, table.Version(read));
    }

    internal Transaction ToTransaction() => _transaction.Clone();

    private void Add(Mutation.Types.Kind kind, StoreTable table, IMessage value, ulong expectedVersion)
    {
        var mutation = new Mutation
        {
            Kind = kind,
            Object = table.Wrap(table.Clone(value)),
            ExpectedVersion = expectedVersion,
        };

        // Applied to the working copy at a provisional version: the same checks as the log apply.
        var error = TransactionApplier.TryApply(_working, new Transaction { Mutations = { mutation } }, BaseVersion + 1, out var next, changes: null);
        if (error is not null)
        {
            throw new StoreConflictException(error);
        }

        _working = next;
        _transaction.Mutations.Add(mutation);
    }
}

/// <summary>Reads of one state, shared by read and write transactions; every object returned is a copy.</summary>
internal static class StateReads
{
    public static T? Get<T>(StoreState state, string id)
        where T : class, IMessage<T>
        => state[StoreTables.Of<T>()].Rows.TryGetValue(id, out var value) ? ((T)value).Clone() : null;

    public static IReadOnlyList<T> Find<T>(StoreState state, Func<T, bool>? predicate)
        where T : class, IMessage<T>
    {
        var rows = state[StoreTables.Of<T>()].Rows;
        var result = new List<T>(predicate is null ? rows.Count : 0);
        foreach (var value in rows.Values)
        {
            var typed = (T)value;
            if (predicate is null || predicate(typed))
            {
                result.Add(typed.Clone());
            }
        }

        return result;
    }

    public static IReadOnlyList<T> Find<T>(StoreState state, IndexQuery<T> query)
        where T : class, IMessage<T>
    {
        ArgumentNullException.ThrowIfNull(query.Index);
        var table = state[StoreTables.Of<T>()];
        var keys = table.Matches(query.Index, query.Key ?? string.Empty);
        var result = new List<T>(keys.Count);
        foreach (var key in keys)
        {
            result.Add(((T)table.Rows[key]).Clone());
        }

        return result;
    }

    public static int Count<T>(StoreState state, IndexQuery<T> query)
        where T : class, IMessage<T>
    {
        ArgumentNullException.ThrowIfNull(query.Index);
        return state[StoreTables.Of<T>()].Matches(query.Index, query.Key ?? string.Empty).Count;
    }

    public static StoreObject? GetObject(StoreState state, Table table, string id)
    {
        var rows = state[table];
        return rows.Rows.TryGetValue(id, out var value) ? rows.Table.Wrap(rows.Table.Clone(value)) : null;
    }
}
