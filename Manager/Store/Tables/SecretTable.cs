using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Store.Tables;

/// <summary>Secrets, keyed by id, indexed by name.</summary>
public static class SecretTable
{
    public static StoreIndex<Secret> NameIndex { get; } = new("name", static s => s.Name);

    public static StoreTable<Secret> Descriptor { get; } = new()
    {
        Table = Table.Secrets,
        Name = "secrets",
        EnvelopeCase = StoreObject.ObjectOneofCase.Secret,
        Key = static s => s.Id,
        NewWithKeyOf = static id => new Secret { Id = id },
        Version = static s => s.Version,
        SetVersion = static (s, version) => s.Version = version,
        WrapRow = static s => new StoreObject { Secret = s },
        UnwrapRow = static o => o.Secret,
        SnapshotRows = static s => s.Secrets,
        TypedIndexes = [NameIndex],
    };

    /// <summary>Secrets named <paramref name="name"/> (names are compared exactly).</summary>
    public static IndexQuery<Secret> ByName(string name) => NameIndex.For(name);
}
