using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace ClusterKit.Manager.Host;

/// <summary>
/// Kestrel moves TLS data in 4 KiB pieces both ways: each piece of a response is one record and one socket write, and
/// each 16 KiB record a client sends reaches HTTP as four reads, each a wake-up of the request's reader. Together that
/// more than doubled the CPU of the registry's large transfers against the reference registry (bench/registry). This
/// connection step, placed after UseHttps, reads and writes the TLS stream through 64 KiB buffers instead: responses
/// go out in full-size (16 KiB) records and a request body arrives a whole record or more per read.
/// </summary>
internal static class LargeTlsRecords
{
    private const int BufferBytes = 64 * 1024;

    /// <summary>A whole record's plaintext: a read with less room left than this starts a new buffer.</summary>
    private const int MinimumReadBytes = 16 * 1024;

    public static ConnectionDelegate Wrap(ConnectionDelegate next) => async connection =>
    {
        if (connection.Features.Get<ISslStreamFeature>()?.SslStream is not { } tls)
        {
            await next(connection);
            return;
        }

        // Zero-byte reads: an idle connection (a worker's session, a watch) holds no buffer while it waits.
        var input = PipeReader.Create(tls, new StreamPipeReaderOptions(bufferSize: BufferBytes, minimumReadSize: MinimumReadBytes, leaveOpen: true, useZeroByteReads: true));
        PipeWriter output = PipeWriter.Create(tls, new StreamPipeWriterOptions(minimumBufferSize: BufferBytes, leaveOpen: true));
        if (connection.Features.Get<RecordCoalescingWriter>() is { } socket)
        {
            output = new RecordHoldingWriter(output, socket);
        }

        var original = connection.Transport;
        connection.Transport = new TransportPipe(input, output);
        try
        {
            await next(connection);
        }
        finally
        {
            connection.Transport = original;
            await input.CompleteAsync();
            try
            {
                await output.CompleteAsync();
            }
            catch (Exception closed) when (closed is IOException or ObjectDisposedException or OperationCanceledException)
            {
                // The connection broke first: what was left for it has nowhere to go.
            }
        }
    };

    /// <summary>
    /// The application's writer above the TLS: while one of its flushes turns buffered bytes into records, the records'
    /// own flushes below the TLS are held (<see cref="TlsRecordCoalescing"/>) and go out together when it ends.
    /// </summary>
    private sealed class RecordHoldingWriter(PipeWriter inner, RecordCoalescingWriter socket) : DelegatingPipeWriter(inner)
    {
        public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            FlushResult result;
            socket.BeginWrite();
            try
            {
                result = await Inner.FlushAsync(cancellationToken);
            }
            finally
            {
                socket.EndWrite();
            }

            // SslStream flushes its stream after a write; should a record still be held, it goes now.
            return socket.HasHeldBytes ? await socket.FlushAsync(cancellationToken) : result;
        }
    }
}
