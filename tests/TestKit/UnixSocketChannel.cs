using System.Net.Sockets;
using Grpc.Net.Client;

namespace ClusterKit.TestKit;

/// <summary>A gRPC channel over a daemon's Unix socket (ck-worker's API, ck-manager's local socket).</summary>
public static class UnixSocketChannel
{
    /// <summary>True when something accepts connections on <paramref name="socketPath"/> (the daemon has started its host).</summary>
    public static async Task<bool> AnswersAsync(string socketPath)
    {
        if (!File.Exists(socketPath))
        {
            return false;
        }

        try
        {
            using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await probe.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

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
