using ClusterKit.Shared.Identity;
using ClusterKit.Worker.Session;
using Grpc.Net.Client;

namespace ClusterKit.Worker.Cluster;

/// <summary>Mutual TLS to managers: the worker presents its current certificate and accepts only manager certificates of its cluster.</summary>
internal sealed class TlsManagerChannelFactory(TlsOptionsFactory tls) : IManagerChannelFactory
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    public GrpcChannel Create(string address)
    {
        var handler = tls.CreateHttpHandler([NodeRole.Manager]);
        handler.ConnectTimeout = ConnectTimeout;
        // The session has its own liveness (heartbeat acks); pings catch a dead peer on an idle stream too.
        handler.KeepAlivePingDelay = TimeSpan.FromSeconds(10);
        handler.KeepAlivePingTimeout = TimeSpan.FromSeconds(5);
        return GrpcChannel.ForAddress("https://" + address, new GrpcChannelOptions { HttpHandler = handler });
    }
}
