using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace ClusterKit.Manager.Host;

/// <summary>A connection's transport made of the given reader and writer (a connection step that wraps one side).</summary>
internal sealed class TransportPipe(PipeReader input, PipeWriter output) : IDuplexPipe
{
    public PipeReader Input { get; } = input;

    public PipeWriter Output { get; } = output;

    /// <summary>Runs the next steps over <paramref name="output"/> in place of the connection's writer, then puts the transport back.</summary>
    public static async Task RunWithOutputAsync(ConnectionContext connection, PipeWriter output, ConnectionDelegate next)
    {
        var original = connection.Transport;
        connection.Transport = new TransportPipe(original.Input, output);
        try
        {
            await next(connection);
        }
        finally
        {
            connection.Transport = original;
        }
    }
}
