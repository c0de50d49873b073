using ClusterKit.Proto.Etcd.Rpc;
using Grpc.Core;

namespace ClusterKit.Manager.Kv.Etcd;

/// <summary>etcd's Watch service: one <see cref="EtcdWatchSession"/> per stream.</summary>
internal sealed class EtcdWatchService(Store.Kv.IKvBackend backend, EtcdOptions options, TimeProvider time) : Watch.WatchBase
{
    public override async Task Watch(IAsyncStreamReader<WatchRequest> requestStream, IServerStreamWriter<WatchResponse> responseStream, ServerCallContext context)
    {
        var token = context.CancellationToken;
        await using var session = new EtcdWatchSession(backend, responseStream, options.ProgressNotifyInterval, time, token);
        await foreach (var request in requestStream.ReadAllAsync(token))
        {
            await session.HandleAsync(request);
        }

        // A client that closes its side keeps its watchers (as etcd's stream does) until it ends the call.
        await session.RunUntilEndedAsync();
    }
}
