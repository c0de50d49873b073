namespace ClusterKit.Worker.Images.Distribution;

/// <summary>What a push or pull is doing with one blob.</summary>
public enum BlobTransferState
{
    /// <summary>Asking whether the other side has it.</summary>
    Checking,

    /// <summary>The other side had it; nothing moved.</summary>
    Exists,

    /// <summary>The registry linked it from another repository; nothing moved.</summary>
    Mounted,

    Uploading,

    Uploaded,

    Downloading,

    Downloaded,

    Failed,
}

/// <summary>Which part of an image a blob is.</summary>
public enum BlobRole
{
    Config,
    Layer,
    Manifest,
}

/// <summary>One event of a push or pull, per blob, for progress bars.</summary>
public sealed record BlobProgress(string Digest, BlobRole Role, long BytesDone, long BytesTotal, BlobTransferState State);

/// <summary>Bytes done, reported synchronously (System.Progress posts to the thread pool, which reorders events).</summary>
internal sealed class SyncProgress(Action<long> report) : IProgress<long>
{
    public void Report(long value) => report(value);
}
