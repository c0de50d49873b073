using Microsoft.Extensions.Logging;

namespace ClusterKit.Manager.Registry.Http;

internal static partial class RegistryLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Blob {Digest} ({Size} bytes) stored in {Repository}")]
    public static partial void BlobStored(ILogger logger, string repository, string digest, long size);

    [LoggerMessage(Level = LogLevel.Information, Message = "Blob {Digest} mounted into {Repository} from {From}")]
    public static partial void BlobMounted(ILogger logger, string repository, string digest, string from);

    [LoggerMessage(Level = LogLevel.Information, Message = "Manifest {Digest} ({MediaType}) stored in {Repository} as {Reference}")]
    public static partial void ManifestStored(ILogger logger, string repository, string digest, string mediaType, string reference);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} {Path} refused: {Code} {Message}")]
    public static partial void Refused(ILogger logger, string method, string path, string code, string message);
}
