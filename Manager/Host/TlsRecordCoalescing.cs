using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace ClusterKit.Manager.Host;

/// <summary>
/// Under Kestrel's TLS, SslStream writes each 16 KiB record to the socket's pipe with a flush of its own, and every
/// flush hands the bytes to the socket sender: a 100 MiB download made ~6,400 such hand-overs. This connection step,
/// placed before UseHttps, holds those per-record flushes back while an application write runs above the TLS
/// (<see cref="LargeTlsRecords"/> marks it), so the records of one write leave together, with the write's final flush
/// or once 256 KiB are held. Outside an application write (the handshake, alerts, answers SslStream writes while it
/// reads) every flush goes through at once.
/// </summary>
internal static class TlsRecordCoalescing
{
    public static ConnectionDelegate Wrap(ConnectionDelegate next) => connection =>
    {
        var output = new RecordCoalescingWriter(connection.Transport.Output);
        connection.Features.Set(output);
        return TransportPipe.RunWithOutputAsync(connection, output, next);
    };
}

/// <summary>The socket's pipe writer under the TLS, with the per-record flushes of an application write held back.</summary>
internal sealed class RecordCoalescingWriter(PipeWriter inner) : DelegatingPipeWriter(inner)
{
    private const long MaxHeldBytes = 256 * 1024;
    private int _writesRunning;
    private long _unflushed;
    private bool _wroteSinceFlush;

    /// <summary>True while bytes written by a held flush wait for a flush that goes through.</summary>
    public bool HasHeldBytes => Volatile.Read(ref _unflushed) > 0;

    /// <summary>An application write above the TLS begins: record flushes are held until <see cref="EndWrite"/>.</summary>
    public void BeginWrite() => Interlocked.Increment(ref _writesRunning);

    public void EndWrite() => Interlocked.Decrement(ref _writesRunning);

    public override void Advance(int bytes)
    {
        Inner.Advance(bytes);
        _unflushed += bytes;
        _wroteSinceFlush = true;
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        // A flush right after a record's bytes, inside an application write, with room left: held. A flush with nothing
        // new before it (SslStream's own Flush at the end of the write) goes through, and so does every other.
        if (Volatile.Read(ref _writesRunning) > 0 && _wroteSinceFlush && _unflushed < MaxHeldBytes)
        {
            _wroteSinceFlush = false;
            return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: false));
        }

        _wroteSinceFlush = false;
        Volatile.Write(ref _unflushed, 0);
        return Inner.FlushAsync(cancellationToken);
    }
}
