using System.Buffers.Binary;
using System.Net.Sockets;

namespace ClusterKit.Worker.Runtime;

/// <summary>
/// A connection to a container's attach socket (docker attach). Frames both ways are
/// [type u8][length u32 big-endian][payload]: from the shim 1 = stdout, 2 = stderr; to the
/// shim 0 = stdin data, 1 = close stdin, 2 = resize (rows u16, cols u16).
/// </summary>
public sealed class AttachClient : IAsyncDisposable
{
    private const byte StdinFrame = 0;
    private const byte CloseStdinFrame = 1;
    private const byte ResizeFrame = 2;

    private readonly NetworkStream _stream;

    private AttachClient(Socket socket)
    {
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public static Task<AttachClient> ConnectAsync(RunningContainer container, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        return ConnectAsync(container.Paths.AttachSocket, cancellationToken);
    }

    /// <summary>Connects by the socket's path: also before the container's command runs (the shim listens from the start).</summary>
    public static async Task<AttachClient> ConnectAsync(string attachSocket, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(attachSocket), cancellationToken);
            return new AttachClient(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public Task WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => SendAsync(StdinFrame, data, cancellationToken);

    public Task CloseStdinAsync(CancellationToken cancellationToken) => SendAsync(CloseStdinFrame, ReadOnlyMemory<byte>.Empty, cancellationToken);

    public Task ResizeAsync(ushort rows, ushort columns, CancellationToken cancellationToken)
    {
        var size = new byte[4];
        BinaryPrimitives.WriteUInt16BigEndian(size, rows);
        BinaryPrimitives.WriteUInt16BigEndian(size.AsSpan(2), columns);
        return SendAsync(ResizeFrame, size, cancellationToken);
    }

    /// <summary>The next output chunk: stream 1 (stdout) or 2 (stderr); null once the container exited.</summary>
    public async Task<(int Stream, byte[] Data)?> ReadAsync(CancellationToken cancellationToken)
    {
        var header = new byte[5];
        if (!await ReadExactlyOrEndAsync(header, cancellationToken))
        {
            return null;
        }

        var data = new byte[BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1))];
        return await ReadExactlyOrEndAsync(data, cancellationToken) ? (header[0], data) : null;
    }

    public async ValueTask DisposeAsync() => await _stream.DisposeAsync();

    private async Task SendAsync(byte type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = type;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame.AsMemory(5));
        await _stream.WriteAsync(frame, cancellationToken);
    }

    private async Task<bool> ReadExactlyOrEndAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await _stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }
}
