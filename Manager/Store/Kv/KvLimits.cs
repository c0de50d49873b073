using Google.Protobuf;

namespace ClusterKit.Manager.Store.Kv;

/// <summary>The limits of the key-value store (ADR 0017), checked by proposers and again at apply.</summary>
public static class KvLimits
{
    /// <summary>Key bytes at most (etcd bounds only the request; a key this long is already a mistake).</summary>
    public const int MaxKeyBytes = 32 * 1024;

    /// <summary>Value bytes at most: 1.5 MiB, etcd's default request limit.</summary>
    public const int MaxValueBytes = 1536 * 1024;

    /// <summary>Compares, success ops and failure ops of one txn, each at most (etcd's default --max-txn-ops).</summary>
    public const int MaxTxnOps = 128;

    /// <summary>Lease TTLs below this are raised to it: etcd's 1.5 election timeouts, rounded up, at its defaults.</summary>
    public const long MinLeaseTtlSeconds = 2;

    /// <summary>The longest lease TTL etcd accepts.</summary>
    public const long MaxLeaseTtlSeconds = 9_000_000_000;

    public static void CheckKey(ByteString key, string field = "key")
    {
        if (key is null || key.IsEmpty)
        {
            throw new KvException(KvErrorCode.EmptyKey, "etcdserver: key is not provided");
        }

        if (key.Length > MaxKeyBytes)
        {
            throw new KvException(
                KvErrorCode.RequestTooLarge,
                $"etcdserver: request is too large: {field} has {key.Length} bytes, at most {MaxKeyBytes} allowed");
        }
    }

    public static void CheckValue(ByteString value)
    {
        if (value is not null && value.Length > MaxValueBytes)
        {
            throw new KvException(
                KvErrorCode.RequestTooLarge,
                $"etcdserver: request is too large: value has {value.Length} bytes, at most {MaxValueBytes} (1.5 MiB) allowed");
        }
    }
}
