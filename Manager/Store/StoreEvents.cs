using ClusterKit.Proto.Manager.V1;
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

internal static class StoreEventFactory
{
    public static StoreEvent Change(ulong version, ChangeKind kind, IMessage? old, IMessage? @new) => (old ?? @new) switch
    {
        Node => new ObjectChange<Node>(version, kind, (Node?)old, (Node?)@new),
        Service => new ObjectChange<Service>(version, kind, (Service?)old, (Service?)@new),
        ClusterTask => new ObjectChange<ClusterTask>(version, kind, (ClusterTask?)old, (ClusterTask?)@new),
        Network => new ObjectChange<Network>(version, kind, (Network?)old, (Network?)@new),
        Secret => new ObjectChange<Secret>(version, kind, (Secret?)old, (Secret?)@new),
        Config => new ObjectChange<Config>(version, kind, (Config?)old, (Config?)@new),
        KvPair => new ObjectChange<KvPair>(version, kind, (KvPair?)old, (KvPair?)@new),
        Cluster => new ObjectChange<Cluster>(version, kind, (Cluster?)old, (Cluster?)@new),
        _ => throw new ArgumentException("a change needs a store object", nameof(old)),
    };
}
