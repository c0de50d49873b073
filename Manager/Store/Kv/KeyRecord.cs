using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;

namespace ClusterKit.Manager.Store.Kv;

/// <summary>
/// One change of one key: the value it has from <see cref="ModRevision"/> on, or its deletion (a tombstone, which
/// ends the key's generation: version and create revision 0). <see cref="Sub"/> orders the changes of one revision.
/// </summary>
public sealed record KeyRecord(long ModRevision, int Sub, long CreateRevision, long Version, ByteString Value, long Lease, bool Tombstone)
{
    public static KeyRecord Deletion(long revision, int sub) => new(revision, sub, 0, 0, ByteString.Empty, 0, true);

    public KvKeyValue ToKeyValue(ByteString key, bool keysOnly = false) => new()
    {
        Key = key,
        CreateRevision = CreateRevision,
        ModRevision = ModRevision,
        Version = Version,
        Value = keysOnly ? ByteString.Empty : Value,
        Lease = Lease,
    };

    internal KvRecord ToSnapshot() => new()
    {
        ModRevision = ModRevision,
        Sub = Sub,
        CreateRevision = CreateRevision,
        Version = Version,
        Value = Value,
        Lease = Lease,
        Tombstone = Tombstone,
    };

    internal static KeyRecord FromSnapshot(KvRecord r) => new(r.ModRevision, r.Sub, r.CreateRevision, r.Version, r.Value, r.Lease, r.Tombstone);
}
