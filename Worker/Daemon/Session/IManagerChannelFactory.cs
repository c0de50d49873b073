using Grpc.Net.Client;

namespace ClusterKit.Worker.Session;

/// <summary>Opens the channel to a manager's API. The seam for mutual TLS.</summary>
public interface IManagerChannelFactory
{
    /// <param name="address">HOST:PORT of the manager's API.</param>
    GrpcChannel Create(string address);
}

/// <summary>Plain HTTP/2 (h2c), until the cluster has certificates.</summary>
public sealed class H2cManagerChannelFactory : IManagerChannelFactory
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    public GrpcChannel Create(string address) => GrpcChannel.ForAddress(
        "http://" + address,
        new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = ConnectTimeout,
                // The session has its own liveness (heartbeat acks); pings catch a dead peer on an idle stream too.
                KeepAlivePingDelay = TimeSpan.FromSeconds(10),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            },
        });
}
