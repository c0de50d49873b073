namespace ClusterKit.Manager.Store.Kv;

/// <summary>
/// Why a key-value request failed; the servers map each to etcd's gRPC code and to an HTTP status. The values travel
/// from the leader to followers (<c>KvWriteFailure.code</c>): new codes are appended, none renumbered.
/// </summary>
public enum KvErrorCode
{
    None = 0,
    EmptyKey = 1,
    RequestTooLarge = 2,
    TooManyOps = 3,
    DuplicateKey = 4,
    Compacted = 5,
    FutureRevision = 6,
    LeaseNotFound = 7,
    LeaseExists = 8,
    LeaseTtlTooLarge = 9,
    KeyNotFound = 10,
    ValueProvided = 11,
    LeaseProvided = 12,
    InvalidArgument = 13,
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

    /// <summary>etcd's text for a revision below the compact revision (also a watcher's cancel reason).</summary>
    public const string CompactedMessage = "mvcc: required revision has been compacted";

    public static KvException Compacted(long compactRevision)
        => new(KvErrorCode.Compacted, CompactedMessage, compactRevision);

    public static KvException Future()
        => new(KvErrorCode.FutureRevision, "mvcc: required revision is a future revision");

    public static KvException LeaseNotFound(long id)
        => new(KvErrorCode.LeaseNotFound, $"etcdserver: requested lease not found (lease {id:x})");
}
