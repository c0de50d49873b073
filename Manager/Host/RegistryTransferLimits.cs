using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ClusterKit.Manager.Host;

/// <summary>
/// Kestrel's buffer and HTTP/2 window sizes, raised for the registry's large transfers (bench/registry). With the
/// defaults a client pushing six layers at once over one HTTP/2 connection shares a 1 MiB connection window, so it
/// stalls for a window update every 1 MiB, and a download pauses for the socket every 64 KiB.
/// </summary>
internal static class RegistryTransferLimits
{
    public const int ConnectionWindowBytes = 16 << 20;
    public const int StreamWindowBytes = 4 << 20;
    public const int ResponseBufferBytes = 1 << 20;

    public static void Apply(KestrelServerLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.Http2.InitialConnectionWindowSize = ConnectionWindowBytes;
        limits.Http2.InitialStreamWindowSize = StreamWindowBytes;
        limits.MaxRequestBufferSize = ConnectionWindowBytes;
        limits.MaxResponseBufferSize = ResponseBufferBytes;
    }
}
