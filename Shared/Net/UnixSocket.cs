using System.Net.Sockets;
using Grpc.Net.Client;

namespace ClusterKit.Shared.Net;

/// <summary>The daemons' Unix sockets: a gRPC channel over one, and whether a live daemon listens on one.</summary>
public static class UnixSocket
{
    /// <summary>Connects to <paramref name="path"/>; the stream owns the socket.</summary>
    public static async ValueTask<Stream> ConnectAsync(string path, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A gRPC channel whose every connection goes to <paramref name="path"/> (see <see cref="CreateHandler"/>).</summary>
    public static GrpcChannel Channel(string path, string authority = "http://localhost", Func<SocketException, Exception>? describeFailure = null, int? maxReceiveMessageSize = null)
    {
        var options = new GrpcChannelOptions { HttpHandler = CreateHandler(path, describeFailure) };
        if (maxReceiveMessageSize is { } max)
        {
            options.MaxReceiveMessageSize = max;
        }

        return GrpcChannel.ForAddress(authority, options);
    }

    /// <summary>
    /// An HTTP handler whose every connection goes to <paramref name="path"/>; <paramref name="describeFailure"/>
    /// turns a refused connection into the caller's own error (the socket's path and what to do).
    /// </summary>
    public static SocketsHttpHandler CreateHandler(string path, Func<SocketException, Exception>? describeFailure = null) => new()
    {
        ConnectCallback = async (_, cancellationToken) =>
        {
            try
            {
                return await ConnectAsync(path, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException error) when (describeFailure is not null)
            {
                throw describeFailure(error);
            }
        },
        EnableMultipleHttp2Connections = true,
    };

    /// <summary>True when something accepts connections on <paramref name="path"/>; false when nothing is there or a dead daemon left the file.</summary>
    public static bool Answers(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A daemon's socket once it listens: only its owner (root) may connect (the process umask already made it so; this holds it).</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static void RestrictToOwner(string path) => File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

    /// <summary>
    /// Readies <paramref name="path"/> for a daemon to listen on: creates its directory and removes a socket file
    /// a dead daemon left; a live daemon's socket is never taken over (<paramref name="inUse"/> is thrown).
    /// </summary>
    public static void PrepareToListen(string path, Func<Exception> inUse)
    {
        ArgumentNullException.ThrowIfNull(inUse);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (Answers(path))
        {
            throw inUse();
        }

        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }
}
