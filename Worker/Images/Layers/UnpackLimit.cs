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
    private sealed class LimitedReadStream(Stream inner, UnpackLimit limit, string what) : ReadPassThroughStream(inner, leaveOpen: false)
    {
        protected override void OnRead(ReadOnlySpan<byte> chunk)
        {
            if (BytesRead > limit.MaxBytes)
            {
                throw limit.Exceeded(what);
            }
        }
    }
}
