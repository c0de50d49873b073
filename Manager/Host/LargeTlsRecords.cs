using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace ClusterKit.Manager.Host;

/// <summary>
/// Kestrel hands TLS its output in 4 KiB pieces, one record and one socket write each, which more than doubles the CPU a
/// large registry download costs (measured against the reference registry: bench/registry). This connection step,
/// placed after UseHttps, writes responses to the TLS stream through 64 KiB buffers instead, so records are full
/// size (16 KiB). Reads are untouched.
/// </summary>
internal static class LargeTlsRecords
{
    private const int OutputBufferBytes = 64 * 1024;

    public static ConnectionDelegate Wrap(ConnectionDelegate next) => async connection =>
    {
        if (connection.Features.Get<ISslStreamFeature>()?.SslStream is not { } tls)
        {
            await next(connection);
            return;
        }

        var output = PipeWriter.Create(tls, new StreamPipeWriterOptions(minimumBufferSize: OutputBufferBytes, leaveOpen: true));
        var original = connection.Transport;
        connection.Transport = new TransportPipe(original.Input, output);
        try
        {
            await next(connection);
        }
        finally
        {
            connection.Transport = original;
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

    private sealed class TransportPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
