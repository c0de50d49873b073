using System.Collections.Concurrent;
using System.Net;

namespace ClusterKit.Manager.Tests.Host.Registry;

/// <summary>
/// Slows a registry client's blob traffic on the client side so that a test can kill a manager in the middle of a
/// transfer: a blob GET's response body is read, and every request body (upload chunks) is written, in pieces of
/// <paramref name="pieceBytes"/> with <paramref name="pause"/> after each. Counts the body bytes moved to and from
/// each address (host:port) and records every request ("METHOD host:port/path"), so that a test waits until bytes are
/// observed instead of sleeping.
/// </summary>
internal sealed class ThrottlingHandler(HttpMessageHandler inner, int pieceBytes, TimeSpan pause) : DelegatingHandler(inner)
{
    private readonly ConcurrentDictionary<string, long> _moved = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly Lock _gate = new();
    private readonly List<(string Authority, long Bytes, TaskCompletionSource Reached)> _watches = [];

    public IReadOnlyCollection<string> Requests => _requests;

    /// <summary>Body bytes sent to and received from <paramref name="authority"/> so far.</summary>
    public long Moved(string authority) => _moved.GetValueOrDefault(authority);

    /// <summary>Completes once at least <paramref name="bytes"/> body bytes moved to or from <paramref name="authority"/>.</summary>
    public Task WhenMoved(string authority, long bytes)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _watches.Add((authority, bytes, reached));
        }

        Count(authority, 0);
        return reached.Task;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        var authority = uri.Authority;
        _requests.Enqueue($"{request.Method} {authority}{uri.AbsolutePath}");
        if (request.Content is { Headers.ContentLength: > 0 } body)
        {
            request.Content = new ThrottledContent(body, pieceBytes, pause, read => Count(authority, read));
        }

        var response = await base.SendAsync(request, cancellationToken);
        if (request.Method == HttpMethod.Get && response.StatusCode == HttpStatusCode.OK && IsBlob(uri))
        {
            var original = response.Content;
            response.Content = new StreamContent(new ThrottledReadStream(await original.ReadAsStreamAsync(cancellationToken), pieceBytes, pause, read => Count(authority, read)));
            foreach (var header in original.Headers)
            {
                response.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        return response;
    }

    private static bool IsBlob(Uri uri) =>
        uri.AbsolutePath.Contains("/blobs/sha256:", StringComparison.Ordinal) && !uri.AbsolutePath.Contains("/uploads/", StringComparison.Ordinal);

    private void Count(string authority, int bytes)
    {
        var total = _moved.AddOrUpdate(authority, bytes, (_, before) => before + bytes);
        lock (_gate)
        {
            foreach (var watch in _watches.Where(w => w.Authority == authority && total >= w.Bytes).ToList())
            {
                watch.Reached.TrySetResult();
                _watches.Remove(watch);
            }
        }
    }

    /// <summary>A request body written in pieces with a pause after each, each piece counted once flushed.</summary>
    private sealed class ThrottledContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly int _pieceBytes;
        private readonly TimeSpan _pause;
        private readonly Action<int> _sent;

        public ThrottledContent(HttpContent inner, int pieceBytes, TimeSpan pause, Action<int> sent)
        {
            _inner = inner;
            _pieceBytes = pieceBytes;
            _pause = pause;
            _sent = sent;
            foreach (var header in inner.Headers)
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await using var source = await _inner.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[_pieceBytes];
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                await stream.FlushAsync(cancellationToken);
                _sent(read);
                await Task.Delay(_pause, cancellationToken);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _inner.Headers.ContentLength ?? -1;
            return length >= 0;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>A response body read at most a piece at a time, with a pause before each read after the first.</summary>
    private sealed class ThrottledReadStream(Stream inner, int pieceBytes, TimeSpan pause, Action<int> received) : Stream
    {
        private bool _started;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_started)
            {
                await Task.Delay(pause, cancellationToken);
            }

            _started = true;
            var read = await inner.ReadAsync(buffer[..Math.Min(buffer.Length, pieceBytes)], cancellationToken);
            received(read);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
