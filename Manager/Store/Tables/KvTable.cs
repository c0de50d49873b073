using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Store.Tables;

/// <summary>Key-value pairs of the discovery API, keyed by key; each keeps the version that created it.</summary>
public static class KvTable
{
    public static StoreTable<KvPair> Descriptor { get; } = new()
    {
        Table = Table.Kv,
        Name = "kv",
        EnvelopeCase = StoreObject.ObjectOneofCase.Kv,
        Key = static kv => kv.Key,
        NewWithKeyOf = static key => new KvPair { Key = key },
        Version = static kv => kv.Version,
        SetVersion = static (kv, v) => kv.Version = v,
        WrapRow = static kv => new StoreObject { Kv = kv },
        UnwrapRow = static o => o.Kv,
        SnapshotRows = static s => s.Kv,

        // etcd's create_revision: a put over an existing key keeps it.
        OnStore = static (kv, current, version) => kv.CreateVersion = current?.CreateVersion ?? version,
    };
}
