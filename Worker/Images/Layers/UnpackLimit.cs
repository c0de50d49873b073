namespace ClusterKit.Worker.Images.Layers;

/// <summary>
/// The most bytes one archive or layer may unpack to: a 2 MB gzip can expand to terabytes, so
/// every decompressed read is counted against it.
/// </summary>
public sealed record UnpackLimit(long MaxBytes)
{
    /// <summary>8 GiB: above any real layer, far below what fills a worker's disk by surprise.</summary>
    public static UnpackLimit Default { get; } = new(8L << 30);

    internal Stream Wrap(Stream inner, string what) => new LimitedReadStream(inner, this, what);

    internal ImageStoreException Exceeded(string what) =>
        new(ImageErrorKind.InvalidArgument, $"{what} unpacks to more than {MaxBytes} bytes, the limit (ck-worker --max-unpacked-bytes)");

    /// <summary>Counts what is read through it and fails once the count passes the limit.</summary>
    private sealed class LimitedReadStream(Stream inner, UnpackLimit limit, string what) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

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

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            await base.DisposeAsync();
        }

        private int Count(int read)
        {
            _read += read;
            return _read > limit.MaxBytes ? throw limit.Exceeded(what) : read;
        }
    }
}
