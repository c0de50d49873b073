using Google.Protobuf;

namespace ClusterKit.Manager.Store;

public enum ChangeKind
{
    Created,
    Updated,
    Deleted,
}

/// <summary>Something that happened to the store at <see cref="Version"/>.</summary>
public abstract record StoreEvent(ulong Version);

/// <summary>One object changed. <see cref="Old"/> is null on create, <see cref="New"/> on delete.</summary>
public sealed record ObjectChange<T>(ulong Version, ChangeKind Kind, T? Old, T? New) : StoreEvent(Version)
    where T : class, IMessage<T>
{
    /// <summary>The object as it is now, or as it was before it was deleted.</summary>
    public T Current => New ?? Old!;
}

/// <summary>Sent after the changes of one transaction: a reconciler can act on a consistent state here.</summary>
public sealed record TransactionCommitted(ulong Version, int Changes) : StoreEvent(Version);

/// <summary>The whole store was replaced by a snapshot: watchers must read it again.</summary>
public sealed record StoreRestored(ulong Version) : StoreEvent(Version);
