using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;

namespace ClusterKit.Manager.Store;

/// <summary>
/// Maps between the store's object types, their tables and the <see cref="StoreObject"/>
/// envelope that log entries carry, and reads and sets the id and version every object has.
/// </summary>
public static class StoreObjects
{
    /// <summary>The tables in the order snapshots and listings use.</summary>
    public static IReadOnlyList<Table> Tables { get; } =
        [Table.Nodes, Table.Services, Table.Tasks, Table.Networks, Table.Secrets, Table.Configs, Table.Kv, Table.Clusters];

    public static Table TableOf<T>()
        where T : class, IMessage<T> => TableOf(typeof(T));

    public static Table TableOf(Type type) => type switch
    {
        _ when type == typeof(Node) => Table.Nodes,
        _ when type == typeof(Service) => Table.Services,
        _ when type == typeof(ClusterTask) => Table.Tasks,
        _ when type == typeof(Network) => Table.Networks,
        _ when type == typeof(Secret) => Table.Secrets,
        _ when type == typeof(Config) => Table.Configs,
        _ when type == typeof(KvPair) => Table.Kv,
        _ when type == typeof(Cluster) => Table.Clusters,
        _ => throw new ArgumentException($"type {type.Name} is not a store object; allowed: Node, Service, Task, Network, Secret, Config, KvPair, Cluster", nameof(type)),
    };

    public static Table TableOf(StoreObject envelope) => envelope.ObjectCase switch
    {
        StoreObject.ObjectOneofCase.Node => Table.Nodes,
        StoreObject.ObjectOneofCase.Service => Table.Services,
        StoreObject.ObjectOneofCase.Task => Table.Tasks,
        StoreObject.ObjectOneofCase.Network => Table.Networks,
        StoreObject.ObjectOneofCase.Secret => Table.Secrets,
        StoreObject.ObjectOneofCase.Config => Table.Configs,
        StoreObject.ObjectOneofCase.Kv => Table.Kv,
        StoreObject.ObjectOneofCase.Cluster => Table.Clusters,
        _ => throw new InvalidStoreObjectException("a store object has no object set; allowed: node, service, task, network, secret, config, kv, cluster"),
    };

    public static StoreObject Wrap(IMessage value) => value switch
    {
        Node n => new StoreObject { Node = n },
        Service s => new StoreObject { Service = s },
        ClusterTask t => new StoreObject { Task = t },
        Network n => new StoreObject { Network = n },
        Secret s => new StoreObject { Secret = s },
        Config c => new StoreObject { Config = c },
        KvPair kv => new StoreObject { Kv = kv },
        Cluster c => new StoreObject { Cluster = c },
        _ => throw new ArgumentException($"type {value.GetType().Name} is not a store object; allowed: Node, Service, Task, Network, Secret, Config, KvPair, Cluster", nameof(value)),
    };

    public static IMessage Unwrap(StoreObject envelope) => envelope.ObjectCase switch
    {
        StoreObject.ObjectOneofCase.Node => envelope.Node,
        StoreObject.ObjectOneofCase.Service => envelope.Service,
        StoreObject.ObjectOneofCase.Task => envelope.Task,
        StoreObject.ObjectOneofCase.Network => envelope.Network,
        StoreObject.ObjectOneofCase.Secret => envelope.Secret,
        StoreObject.ObjectOneofCase.Config => envelope.Config,
        StoreObject.ObjectOneofCase.Kv => envelope.Kv,
        StoreObject.ObjectOneofCase.Cluster => envelope.Cluster,
        _ => throw new InvalidStoreObjectException("a store object has no object set; allowed: node, service, task, network, secret, config, kv, cluster"),
    };

    /// <summary>The object's key in its table: the id, or the key for kv pairs.</summary>
    public static string IdOf(IMessage value) => value switch
    {
        Node n => n.Id,
        Service s => s.Id,
        ClusterTask t => t.Id,
        Network n => n.Id,
        Secret s => s.Id,
        Config c => c.Id,
        KvPair kv => kv.Key,
        Cluster c => c.Id,
        _ => throw new ArgumentException($"type {value.GetType().Name} is not a store object", nameof(value)),
    };

    public static ulong VersionOf(IMessage value) => value switch
    {
        Node n => n.Version,
        Service s => s.Version,
        ClusterTask t => t.Version,
        Network n => n.Version,
        Secret s => s.Version,
        Config c => c.Version,
        KvPair kv => kv.Version,
        Cluster c => c.Version,
        _ => throw new ArgumentException($"type {value.GetType().Name} is not a store object", nameof(value)),
    };

    /// <summary>A deep copy, so that no caller can change an object the store holds.</summary>
    public static T Clone<T>(T value)
        where T : class, IMessage => (T)(IMessage)(value switch
        {
            Node n => n.Clone(),
            Service s => s.Clone(),
            ClusterTask t => t.Clone(),
            Network n => n.Clone(),
            Secret s => s.Clone(),
            Config c => c.Clone(),
            KvPair kv => kv.Clone(),
            Cluster c => c.Clone(),
            _ => throw new ArgumentException($"type {value.GetType().Name} is not a store object", nameof(value)),
        });

    internal static void SetVersion(IMessage value, ulong version)
    {
        switch (value)
        {
            case Node n: n.Version = version; break;
            case Service s: s.Version = version; break;
            case ClusterTask t: t.Version = version; break;
            case Network n: n.Version = version; break;
            case Secret s: s.Version = version; break;
            case Config c: c.Version = version; break;
            case KvPair kv: kv.Version = version; break;
            case Cluster c: c.Version = version; break;
            default: throw new ArgumentException($"type {value.GetType().Name} is not a store object", nameof(value));
        }
    }

    public static string Name(Table table) => table switch
    {
        Table.Nodes => "nodes",
        Table.Services => "services",
        Table.Tasks => "tasks",
        Table.Networks => "networks",
        Table.Secrets => "secrets",
        Table.Configs => "configs",
        Table.Kv => "kv",
        Table.Clusters => "clusters",
        _ => table.ToString(),
    };
}
