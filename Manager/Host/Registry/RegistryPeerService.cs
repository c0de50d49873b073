using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Registry.Storage;
using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;
using Grpc.Core;

namespace ClusterKit.Manager.Host.Registry;

/// <summary>
/// Serves this manager's committed blobs to other managers (CallPolicy: manager certificates only). Only committed
/// blobs exist to serve (an upload becomes a blob only once verified); the fetching manager verifies them again.
/// </summary>
internal sealed class RegistryPeerService(IBlobStore blobs) : RegistryPeer.RegistryPeerBase
{
    public const int ChunkSize = 1 << 20;

    public override async Task FetchBlob(FetchBlobRequest request, IServerStreamWriter<BlobChunk> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        if (!Digest.TryParse(request.Digest, out var digest, out var error))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, error));
        }

        await using var blob = blobs.OpenRead(digest) ?? throw new RpcException(new Status(StatusCode.NotFound, $"this manager holds no blob {digest}"));
        var buffer = new byte[ChunkSize];
        int read;
        while ((read = await blob.ReadAsync(buffer, context.CancellationToken)) > 0)
        {
            await responseStream.WriteAsync(new BlobChunk { Data = ByteString.CopyFrom(buffer, 0, read) }, context.CancellationToken);
        }
    }
}
