using System.Net.Sockets;
using Grpc.Net.Client;

namespace ClusterKit.TestKit;

/// <summary>A gRPC channel over a daemon's Unix socket (ck-worker's API, ck-manager's local socket).</summary>
public static class UnixSocketChannel
{
    public static GrpcChannel For(string socketPath, string authority = "http://localhost") => GrpcChannel.ForAddress(authority, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, token) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), token);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        },
    });
}
