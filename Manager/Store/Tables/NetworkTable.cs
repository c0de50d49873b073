using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Store.Tables;

/// <summary>Networks, keyed by id, indexed by name.</summary>
public static class NetworkTable
{
    public static StoreIndex<Network> NameIndex { get; } = new("name", static n => n.Name);

    public static StoreTable<Network> Descriptor { get; } = new()
    {
        Table = Table.Networks,
        Name = "networks",
        EnvelopeCase = StoreObject.ObjectOneofCase.Network,
        Key = static n => n.Id,
        NewWithKeyOf = static id => new Network { Id = id },
        Version = static n => n.Version,
        SetVersion = static (n, version) => n.Version = version,
        WrapRow = static n => new StoreObject { Network = n },
        UnwrapRow = static o => o.Network,
        SnapshotRows = static s => s.Networks,
        TypedIndexes = [NameIndex],
    };

    /// <summary>Networks named <paramref name="name"/> (names are compared exactly).</summary>
    public static IndexQuery<Network> ByName(string name) => NameIndex.For(name);
}
