namespace ClusterKit.Worker.Images;

/// <summary>What went wrong, so that the daemon can pick a status code (not found, invalid argument, conflict ...).</summary>
public enum ImageErrorKind
{
    /// <summary>No image matches the reference or id.</summary>
    NotFound,

    /// <summary>A reference, change line or argument is malformed.</summary>
    InvalidArgument,

    /// <summary>An id prefix matches more than one image.</summary>
    Ambiguous,

    /// <summary>The image is used by a container or referenced in several repositories.</summary>
    Conflict,

    /// <summary>A tar, gzip stream, manifest or blob is corrupt, truncated, missing or fails its digest.</summary>
    CorruptContent,
}

/// <summary>A one-line, user-facing error of the image store.</summary>
public sealed class ImageStoreException : Exception
{
    public ImageStoreException(ImageErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    public ImageStoreException()
    {
    }

    public ImageStoreException(string message) : base(message)
    {
    }

    public ImageStoreException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public ImageErrorKind Kind { get; }
}
