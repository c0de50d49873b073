using System.Runtime.InteropServices;

namespace ClusterKit.Worker.Host;

public sealed partial class LinuxSystemCalls
{
    public int OpenProcessDescriptor(int pid)
    {
        var fd = Libc.syscall_pidfd_open(Libc.SYS_pidfd_open, pid, 0);
        if (fd >= 0)
        {
            return (int)fd;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == Libc.ESRCH ? -1 : throw new KernelCallException("pidfd_open", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), errno);
    }

    public int CreateEventDescriptor()
    {
        var fd = Libc.eventfd(0, Libc.EFD_CLOEXEC);
        return fd >= 0 ? fd : throw new KernelCallException("eventfd", string.Empty, Marshal.GetLastPInvokeError());
    }

    public unsafe void SignalEventDescriptor(int fd)
    {
        ulong one = 1;
        if (Libc.write(fd, &one, sizeof(ulong)) != sizeof(ulong))
        {
            throw new KernelCallException("write", "eventfd", Marshal.GetLastPInvokeError());
        }
    }

    public unsafe void ResetEventDescriptor(int fd)
    {
        ulong value;
        _ = Libc.read(fd, &value, sizeof(ulong));
    }

    public unsafe int WaitReadable(ReadOnlySpan<int> fds, Span<bool> readable, int timeoutMilliseconds)
    {
        var polls = new Libc.PollFd[fds.Length];
        for (var i = 0; i < fds.Length; i++)
        {
            polls[i] = new Libc.PollFd { Fd = fds[i], Events = Libc.POLLIN };
        }

        int ready;
        fixed (Libc.PollFd* p = polls)
        {
            ready = Libc.poll(p, (ulong)polls.Length, timeoutMilliseconds);
        }

        if (ready < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EINTR)
            {
                readable.Clear();
                return 0;
            }

            throw new KernelCallException("poll", $"{fds.Length} descriptors", errno);
        }

        for (var i = 0; i < fds.Length; i++)
        {
            readable[i] = polls[i].Revents != 0;
        }

        return ready;
    }

    public bool SignalProcessDescriptor(int pidfd, int signal)
    {
        if (Libc.syscall_pidfd_send_signal(Libc.SYS_pidfd_send_signal, pidfd, signal, 0, 0) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == Libc.ESRCH ? false : throw new KernelCallException("pidfd_send_signal", $"{pidfd}, {signal}", errno);
    }

    public void CloseDescriptor(int fd) => _ = Libc.close(fd);
}
