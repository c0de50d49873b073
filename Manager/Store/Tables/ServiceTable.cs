using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Store.Tables;

/// <summary>Services, keyed by service id, indexed by name.</summary>
public static class ServiceTable
{
    public static StoreIndex<Service> NameIndex { get; } = new("name", static s => s.Spec?.Name ?? string.Empty);

    public static StoreTable<Service> Descriptor { get; } = new()
    {
        Table = Table.Services,
        Name = "services",
        EnvelopeCase = StoreObject.ObjectOneofCase.Service,
        Key = static s => s.Id,
        NewWithKeyOf = static id => new Service { Id = id },
        Version = static s => s.Version,
        SetVersion = static (s, v) => s.Version = v,
        WrapRow = static s => new StoreObject { Service = s },
        UnwrapRow = static o => o.Service,
        SnapshotRows = static s => s.Services,
        TypedIndexes = [NameIndex],
    };

    /// <summary>Services whose spec is named <paramref name="name"/> (names are compared exactly).</summary>
    public static IndexQuery<Service> ByName(string name) => NameIndex.For(name);
}
