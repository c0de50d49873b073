using ClusterKit.Manager.Store.Kv;
using ClusterKit.Manager.Store.Tables;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Store;

/// <summary>
/// Applies one transaction to a state, all or nothing. Pure and deterministic: every manager
/// reaches the same state and the same verdict from the same entries, so a bad mutation is a
/// rejected transaction (never an exception that one replica might see and another not).
/// </summary>
internal static class TransactionApplier
{
    /// <summary>
    /// Returns null and the next state, or the reason the transaction was rejected; a key-value write's result or
    /// failure goes to <paramref name="kv"/> when given (ADR 0017).
    /// </summary>
    public static string? TryApply(StoreState state, Transaction transaction, ulong version, out StoreState next, List<StoreEvent>? changes, KvApplyOutcome? kv = null)
    {
        next = state;
        if (transaction.Kv is not null)
        {
            return transaction.Mutations.Count > 0
                ? "a transaction carries table mutations or one kv write, not both"
                : TryApplyKv(state, transaction.Kv, version, out next, kv);
        }

        if (transaction.Mutations.Count == 0)
        {
            return "a transaction has no mutations";
        }

        var tables = state.CopyTables();
        var start = changes?.Count ?? 0;
        foreach (var mutation in transaction.Mutations)
        {
            var error = ApplyOne(tables, mutation, version, changes);
            if (error is not null)
            {
                changes?.RemoveRange(start, changes.Count - start);
                return error;
            }
        }

        next = new StoreState(tables, version, state.Kv);
        return null;
    }

    private static string? TryApplyKv(StoreState state, KvWrite write, ulong version, out StoreState next, KvApplyOutcome? outcome)
    {
        next = state;
        var events = new List<KvEvent>();
        try
        {
            var result = KvApplier.Apply(state.Kv, write, out var kv, events);
            next = state.WithKv(kv, version);
            if (outcome is not null)
            {
                outcome.Result = result;
                outcome.Events = events;
            }

            return null;
        }
        catch (KvException e)
        {
            outcome?.Failure = e.Failure;
            return e.Message;
        }
    }

    private static string? ApplyOne(TableState[] tables, Mutation mutation, ulong version, List<StoreEvent>? changes)
    {
        if (mutation.Object is null || mutation.Object.ObjectCase == StoreObject.ObjectOneofCase.None)
        {
            return $"a {Verb(mutation.Kind)} mutation has no object; allowed: node, service, task, network, secret, config, kv";
        }

        var table = StoreTables.Of(mutation.Object);
        var value = table.Unwrap(mutation.Object);
        var id = table.KeyOf(value);
        var name = table.Name;
        if (string.IsNullOrEmpty(id))
        {
            return $"{Verb(mutation.Kind)} {name}: the id is empty; a non-empty id (or kv key) is required";
        }

        var slot = StoreTables.Slot(table.Table);
        var rows = tables[slot];
        rows.Rows.TryGetValue(id, out var current);
        switch (mutation.Kind)
        {
            case Mutation.Types.Kind.Create:
                if (current is not null)
                {
                    return $"create {name} {id}: already exists (version {table.VersionOf(current)})";
                }

                break;
            case Mutation.Types.Kind.Update:
            case Mutation.Types.Kind.Delete:
                if (current is null)
                {
                    return $"{Verb(mutation.Kind)} {name} {id}: does not exist";
                }

                var have = table.VersionOf(current);
                if (mutation.ExpectedVersion != 0 && have != mutation.ExpectedVersion)
                {
                    return $"{Verb(mutation.Kind)} {name} {id}: version {mutation.ExpectedVersion} expected, the store has version {have}";
                }

                break;
            case Mutation.Types.Kind.Put:
                break;
            default:
                return $"{name} {id}: mutation kind {mutation.Kind} is not one of create, update, delete, put";
        }

        if (mutation.Kind == Mutation.Types.Kind.Delete)
        {
            tables[slot] = rows.Remove(id, current!);
            changes?.Add(table.Change(version, ChangeKind.Deleted, current, null));
            return null;
        }

        var stored = table.ToStored(value, current, version);
        tables[slot] = rows.Set(id, current, stored);
        changes?.Add(table.Change(version, current is null ? ChangeKind.Created : ChangeKind.Updated, current, stored));
        return null;
    }

    private static string Verb(Mutation.Types.Kind kind) => kind switch
    {
        Mutation.Types.Kind.Create => "create",
        Mutation.Types.Kind.Update => "update",
        Mutation.Types.Kind.Delete => "delete",
        Mutation.Types.Kind.Put => "put",
        _ => "unspecified",
    };
}

/// <summary>What applying a key-value write produced: its result and events, or why it failed.</summary>
internal sealed class KvApplyOutcome
{
    public KvWriteResult? Result { get; set; }

    public IReadOnlyList<KvEvent> Events { get; set; } = [];

    public KvFailure? Failure { get; set; }
}
