using Microsoft.Win32.SafeHandles;

namespace ClusterKit.Worker.Host;

public partial interface ISystemCalls
{
    /// <summary>
    /// setns(2) into the network namespace at <paramref name="path"/> (/proc/PID/ns/net or a bind
    /// mount of it). Network namespaces are per thread, so this moves the calling thread only.
    /// </summary>
    void EnterNetworkNamespace(string path);

    /// <summary>
    /// socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE): an rtnetlink socket bound to the
    /// calling thread's network namespace for its whole life.
    /// </summary>
    SafeFileHandle OpenRouteNetlinkSocket();

    /// <summary>send(2) of one or more netlink messages to the kernel.</summary>
    void SendNetlink(SafeFileHandle socket, ReadOnlySpan<byte> messages);

    /// <summary>recv(2) of the next datagram of netlink replies; returns its length.</summary>
    int ReceiveNetlink(SafeFileHandle socket, Span<byte> buffer);
}
