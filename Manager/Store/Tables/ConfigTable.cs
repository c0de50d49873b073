using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Store.Tables;

/// <summary>Configs, keyed by id, indexed by name.</summary>
public static class ConfigTable
{
    public static StoreIndex<Config> NameIndex { get; } = new("name", static c => c.Name);

    public static StoreTable<Config> Descriptor { get; } = new()
    {
        Table = Table.Configs,
        Name = "configs",
        EnvelopeCase = StoreObject.ObjectOneofCase.Config,
        Key = static c => c.Id,
        NewWithKeyOf = static id => new Config { Id = id },
        Version = static c => c.Version,
        SetVersion = static (c, version) => c.Version = version,
        WrapRow = static c => new StoreObject { Config = c },
        UnwrapRow = static o => o.Config,
        SnapshotRows = static s => s.Configs,
        TypedIndexes = [NameIndex],
    };

    /// <summary>Configs named <paramref name="name"/> (names are compared exactly).</summary>
    public static IndexQuery<Config> ByName(string name) => NameIndex.For(name);
}
