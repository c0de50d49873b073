using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;

namespace ClusterKit.Manager.Store;

/// <summary>A consistent read-only view of the store. Objects returned are copies.</summary>
public interface IReadTransaction
{
    /// <summary>The store version this view shows.</summary>
    ulong Version { get; }

    T? Get<T>(string id)
        where T : class, IMessage<T>;

    IReadOnlyList<T> List<T>()
        where T : class, IMessage<T>;

    IReadOnlyList<T> Find<T>(Func<T, bool> predicate)
        where T : class, IMessage<T>;

    int Count<T>()
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

    public T? Get<T>(string id)
        where T : class, IMessage<T> => StateReads.Get<T>(_state, id);

    public IReadOnlyList<T> List<T>()
        where T : class, IMessage<T> => StateReads.Find<T>(_state, null);

    public IReadOnlyList<T> Find<T>(Func<T, bool> predicate)
        where T : class, IMessage<T> => StateReads.Find(_state, predicate);

    public int Count<T>()
        where T : class, IMessage<T> => _state[StoreObjects.TableOf<T>()].Count;

    /// <summary>One object of any table, in its envelope (for APIs that name the table at run time).</summary>
    public StoreObject? GetObject(Table table, string id)
        => _state[table].TryGetValue(id, out var value) ? StoreObjects.Wrap(StoreObjects.Clone(value)) : null;
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

    public int MutationCount => _transaction.Mutations.Count;

    public T? Get<T>(string id)
        where T : class, IMessage<T> => StateReads.Get<T>(_working, id);

    public IReadOnlyList<T> List<T>()
        where T : class, IMessage<T> => StateReads.Find<T>(_working, null);

    public IReadOnlyList<T> Find<T>(Func<T, bool> predicate)
        where T : class, IMessage<T> => StateReads.Find(_working, predicate);

    public int Count<T>()
        where T : class, IMessage<T> => _working[StoreObjects.TableOf<T>()].Count;

    public StoreObject? GetObject(Table table, string id)
        => _working[table].TryGetValue(id, out var value) ? StoreObjects.Wrap(StoreObjects.Clone(value)) : null;

    /// <summary>Adds a new object; its id must not exist.</summary>
    public void Create<T>(T value)
        where T : class, IMessage<T> => Add(Mutation.Types.Kind.Create, value, 0);

    /// <summary>Replaces an object read in this transaction; fails if someone changed it since (its version moved).</summary>
    public void Update<T>(T value)
        where T : class, IMessage<T> => Add(Mutation.Types.Kind.Update, value, StoreObjects.VersionOf(value));

    /// <summary>Creates or replaces an object whatever its version (last writer wins).</summary>
    public void Put<T>(T value)
        where T : class, IMessage<T> => Add(Mutation.Types.Kind.Put, value, 0);

    /// <summary>Removes an object; fails if it does not exist or changed since this transaction read it.</summary>
    public void Delete<T>(string id)
        where T : class, IMessage<T>
    {
        var current = _working[StoreObjects.TableOf<T>()].GetValueOrDefault(id);
        var expected = current is null ? 0 : StoreObjects.VersionOf(current);
        IMessage stub = current is null ? NewWithId<T>(id) : StoreObjects.Clone(current);
        Add(Mutation.Types.Kind.Delete, stub, expected);
    }

    internal Transaction ToTransaction() => _transaction.Clone();

    private void Add(Mutation.Types.Kind kind, IMessage value, ulong expectedVersion)
    {
        var mutation = new Mutation
        {
            Kind = kind,
            Object = StoreObjects.Wrap(StoreObjects.Clone(value)),
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

    private static T NewWithId<T>(string id)
        where T : class, IMessage<T>
    {
        var value = Activator.CreateInstance<T>();
        var envelope = StoreObjects.Wrap(value);
        switch (envelope.ObjectCase)
        {
            case StoreObject.ObjectOneofCase.Kv: envelope.Kv.Key = id; break;
            case StoreObject.ObjectOneofCase.Node: envelope.Node.Id = id; break;
            case StoreObject.ObjectOneofCase.Service: envelope.Service.Id = id; break;
            case StoreObject.ObjectOneofCase.Task: envelope.Task.Id = id; break;
            case StoreObject.ObjectOneofCase.Network: envelope.Network.Id = id; break;
            case StoreObject.ObjectOneofCase.Secret: envelope.Secret.Id = id; break;
            case StoreObject.ObjectOneofCase.Config: envelope.Config.Id = id; break;
            case StoreObject.ObjectOneofCase.Cluster: envelope.Cluster.Id = id; break;
        }

        return value;
    }
}

internal static class StateReads
{
    public static T? Get<T>(StoreState state, string id)
        where T : class, IMessage<T>
        => state[StoreObjects.TableOf<T>()].TryGetValue(id, out var value) ? ((T)value).Clone() : null;

    public static IReadOnlyList<T> Find<T>(StoreState state, Func<T, bool>? predicate)
        where T : class, IMessage<T>
    {
        var result = new List<T>();
        foreach (var value in state[StoreObjects.TableOf<T>()].Values)
        {
            var typed = (T)value;
            if (predicate is null || predicate(typed))
            {
                result.Add(typed.Clone());
            }
        }

        result.Sort(static (a, b) => string.CompareOrdinal(StoreObjects.IdOf(a), StoreObjects.IdOf(b)));
        return result;
    }
}
