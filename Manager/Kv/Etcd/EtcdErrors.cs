using ClusterKit.Manager.Store.Kv;
using ClusterKit.Proto.Manager.V1;
using Grpc.Core;

namespace ClusterKit.Manager.Kv.Etcd;

/// <summary>
/// A rejected key-value request as etcd 3.4 reports it (ADR 0018's table): its gRPC code and its exact message, since
/// clients match on the message. The store's longer explanation (which key, which limit) rides in the
/// <see cref="DetailTrailer"/> trailer.
/// </summary>
public static class EtcdErrors
{
    /// <summary>Trailer carrying the store's full explanation of a rejection.</summary>
    public const string DetailTrailer = "ck-detail";

    public static (StatusCode Code, string Message) Status(KvFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return failure.Code switch
        {
            KvErrorCode.EmptyKey => (StatusCode.InvalidArgument, "etcdserver: key is not provided"),
            KvErrorCode.RequestTooLarge => (StatusCode.InvalidArgument, "etcdserver: request is too large"),
            KvErrorCode.TooManyOps => (StatusCode.InvalidArgument, "etcdserver: too many operations in txn request"),
            KvErrorCode.DuplicateKey => (StatusCode.InvalidArgument, "etcdserver: duplicate key given in txn request"),
            KvErrorCode.Compacted => (StatusCode.OutOfRange, "etcdserver: mvcc: required revision has been compacted"),
            KvErrorCode.FutureRevision => (StatusCode.OutOfRange, "etcdserver: mvcc: required revision is a future revision"),
            KvErrorCode.LeaseNotFound => (StatusCode.NotFound, "etcdserver: requested lease not found"),
            KvErrorCode.LeaseExists => (StatusCode.FailedPrecondition, "etcdserver: lease already exists"),
            KvErrorCode.LeaseTtlTooLarge => (StatusCode.OutOfRange, "etcdserver: too large lease TTL"),
            KvErrorCode.KeyNotFound => (StatusCode.InvalidArgument, "etcdserver: key not found"),
            KvErrorCode.ValueProvided => (StatusCode.InvalidArgument, "etcdserver: value is provided"),
            KvErrorCode.LeaseProvided => (StatusCode.InvalidArgument, "etcdserver: lease is provided"),

            // Our own checks (a negative limit, an op naming nothing): etcd has no message for them, ours explains.
            _ => (StatusCode.InvalidArgument, failure.Message),
        };
    }

    public static RpcException ToRpc(KvException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var (code, message) = Status(error.Failure);
        var trailers = new Metadata();
        if (error.Failure.Message != message)
        {
            trailers.Add(DetailTrailer, Ascii(error.Failure.Message));
        }

        return new RpcException(new Grpc.Core.Status(code, message), trailers);
    }

    /// <summary>Commits <paramref name="write"/>; a rejection leaves as etcd's status.</summary>
    public static async Task<KvWriteResult> WriteAsync(IKvBackend backend, KvWrite write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backend);
        try
        {
            return await backend.WriteAsync(write, cancellationToken);
        }
        catch (KvException e)
        {
            throw ToRpc(e);
        }
    }

    // Metadata values are ASCII; a key shown in the detail may not be.
    private static string Ascii(string text) => string.Concat(text.Select(c => c is >= ' ' and <= '~' ? c.ToString() : "?"));
}
