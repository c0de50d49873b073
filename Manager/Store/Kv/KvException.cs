namespace ClusterKit.Manager.Store.Kv;

/// <summary>Why a key-value request failed; the servers map each to etcd's gRPC code and to an HTTP status.</summary>
public enum KvErrorCode
{
    None = 0,
    EmptyKey,
    RequestTooLarge,
    TooManyOps,
    DuplicateKey,
    Compacted,
    FutureRevision,
    LeaseNotFound,
    LeaseExists,
    LeaseTtlTooLarge,
    KeyNotFound,
    ValueProvided,
    LeaseProvided,
    InvalidArgument,
}

/// <summary>A failed key-value request: a code, etcd's message, and for <see cref="KvErrorCode.Compacted"/> the compact revision.</summary>
public sealed record KvFailure(KvErrorCode Code, string Message, long CompactRevision = 0);

/// <summary>A key-value request that cannot be served; nothing of it was applied.</summary>
public sealed class KvException : Exception
{
    public KvException(KvErrorCode code, string message, long compactRevision = 0)
        : base(message)
    {
        Failure = new KvFailure(code, message, compactRevision);
    }

    public KvException(KvFailure failure)
        : base(failure?.Message)
    {
        ArgumentNullException.ThrowIfNull(failure);
        Failure = failure;
    }

    public KvException()
        : this(KvErrorCode.InvalidArgument, "invalid key-value request")
    {
    }

    public KvException(string message)
        : this(KvErrorCode.InvalidArgument, message)
    {
    }

    public KvException(string message, Exception innerException)
        : base(message, innerException)
    {
        Failure = new KvFailure(KvErrorCode.InvalidArgument, message);
    }

    public KvFailure Failure { get; }

    public KvErrorCode Code => Failure.Code;

    public static KvException Compacted(long compactRevision)
        => new(KvErrorCode.Compacted, "mvcc: required revision has been compacted", compactRevision);

    public static KvException Future()
        => new(KvErrorCode.FutureRevision, "mvcc: required revision is a future revision");

    public static KvException LeaseNotFound(long id)
        => new(KvErrorCode.LeaseNotFound, $"etcdserver: requested lease not found (lease {id:x})");
}
