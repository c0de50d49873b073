using Microsoft.Extensions.Logging;

namespace ClusterKit.Worker.Images.Store;

internal static partial class ImageStoreLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Image {ImageId} created ({Operation}) as {Reference}")]
    public static partial void ImageCreated(ILogger logger, string imageId, string operation, string reference);

    [LoggerMessage(Level = LogLevel.Information, Message = "Image {ImageId} deleted; {Blobs} blobs and {Layers} unpacked layers collected")]
    public static partial void ImageDeleted(ILogger logger, string imageId, int blobs, int layers);

    [LoggerMessage(Level = LogLevel.Information, Message = "Untagged {Reference}")]
    public static partial void Untagged(ILogger logger, string reference);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Image manifest {ManifestDigest} skipped: {Reason}")]
    public static partial void ImageSkipped(ILogger logger, string manifestDigest, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} failed, taking back {Blobs} new blobs and {Layers} new layers: {Reason}")]
    public static partial void RolledBack(ILogger logger, string operation, int blobs, int layers, string reason);
}
