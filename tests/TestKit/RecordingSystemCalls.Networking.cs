using Microsoft.Win32.SafeHandles;

namespace ClusterKit.TestKit;

public sealed partial class RecordingSystemCalls
{
    public void EnterNetworkNamespace(string path) => Record($"setns {path} net");

    public SafeFileHandle OpenRouteNetlinkSocket()
    {
        Record("socket netlink route");
        return new SafeFileHandle(-1, ownsHandle: false);
    }

    public void SendNetlink(SafeFileHandle socket, ReadOnlySpan<byte> messages) => Record($"netlink send {messages.Length} bytes");

    /// <summary>Nothing comes back from the recording kernel: an empty datagram.</summary>
    public int ReceiveNetlink(SafeFileHandle socket, Span<byte> buffer)
    {
        Record("netlink recv");
        return 0;
    }
}
