using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ClusterKit.Worker.Host;

public sealed partial class LinuxSystemCalls
{
    public void EnterNetworkNamespace(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        if (Libc.setns(handle, Libc.CLONE_NEWNET) != 0)
        {
            throw new KernelCallException("setns", $"{path}, CLONE_NEWNET", Marshal.GetLastPInvokeError());
        }
    }

    public SafeFileHandle OpenRouteNetlinkSocket()
    {
        var fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, Libc.NETLINK_ROUTE);
        if (fd < 0)
        {
            throw new KernelCallException("socket", "AF_NETLINK, NETLINK_ROUTE", Marshal.GetLastPInvokeError());
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    public unsafe void SendNetlink(SafeFileHandle socket, ReadOnlySpan<byte> messages)
    {
        fixed (byte* buffer = messages)
        {
            nint sent;
            do
            {
                sent = Libc.send(socket, buffer, (nuint)messages.Length, 0);
            }
            while (sent < 0 && Marshal.GetLastPInvokeError() == Libc.EINTR);

            if (sent < 0)
            {
                throw new KernelCallException("send", $"netlink, {messages.Length} bytes", Marshal.GetLastPInvokeError());
            }
        }
    }

    public unsafe int ReceiveNetlink(SafeFileHandle socket, Span<byte> buffer)
    {
        fixed (byte* pointer = buffer)
        {
            nint received;
            do
            {
                received = Libc.recv(socket, pointer, (nuint)buffer.Length, 0);
            }
            while (received < 0 && Marshal.GetLastPInvokeError() == Libc.EINTR);

            if (received < 0)
            {
                throw new KernelCallException("recv", "netlink", Marshal.GetLastPInvokeError());
            }

            return (int)received;
        }
    }
}
