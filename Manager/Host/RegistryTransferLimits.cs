using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ClusterKit.Manager.Host;

/// <summary>
/// Kestrel's response buffer, raised for the registry's large downloads. Registry clients (skopeo, dockerd, ck) speak
/// HTTP/1.1, where Kestrel makes a response writer wait for the socket once 64 KiB are unsent; a blob download writes
/// 256 KiB at a time (<c>BlobEndpoints</c>), so with the default each write waited several times.
/// </summary>
internal static class RegistryTransferLimits
{
    public const int ResponseBufferBytes = 1 << 20;

    public static void Apply(KestrelServerLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.MaxResponseBufferSize = ResponseBufferBytes;
    }
}
