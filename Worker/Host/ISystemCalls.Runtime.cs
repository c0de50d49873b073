namespace ClusterKit.Worker.Host;

/// <summary>Kernel calls of the container runtime: watching processes that exit.</summary>
public partial interface ISystemCalls
{
    /// <summary>pidfd_open(2): a descriptor that becomes readable when the process exits; -1 if it is gone already.</summary>
    int OpenProcessDescriptor(int pid);

    /// <summary>eventfd(2), used to wake a thread blocked in <see cref="WaitReadable"/>.</summary>
    int CreateEventDescriptor();

    /// <summary>Adds one to an eventfd counter.</summary>
    void SignalEventDescriptor(int fd);

    /// <summary>Resets an eventfd counter.</summary>
    void ResetEventDescriptor(int fd);

    /// <summary>poll(2) for readability; sets <paramref name="readable"/>[i] and returns how many are ready (0 on timeout).</summary>
    int WaitReadable(ReadOnlySpan<int> fds, Span<bool> readable, int timeoutMilliseconds);

    /// <summary>pidfd_send_signal(2): signals exactly the process the descriptor names; false if it has exited.</summary>
    bool SignalProcessDescriptor(int pidfd, int signal);

    /// <summary>close(2).</summary>
    void CloseDescriptor(int fd);
}
