using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;

namespace ClusterKit.Manager.Store.Kv;

public enum KvEventType
{
    Put,
    Delete,
}

/// <summary>One change of one key at one revision, with the key's value before it when that is still known.</summary>
public sealed record KvEvent(KvEventType Type, ByteString Key, KeyRecord Record, KeyRecord? Previous)
{
    public long Revision => Record.ModRevision;

    public static KvEvent Of(ByteString key, KeyRecord record, KeyRecord? previous)
        => new(record.Tombstone ? KvEventType.Delete : KvEventType.Put, key, record, previous is { Tombstone: false } ? previous : null);

    /// <summary>The key as the event shows it (a deletion: the key and its mod revision only).</summary>
    public KvKeyValue ToKeyValue() => Record.ToKeyValue(Key);

    public KvKeyValue? PreviousKeyValue() => Previous?.ToKeyValue(Key);
}
