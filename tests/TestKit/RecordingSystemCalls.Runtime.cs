namespace ClusterKit.TestKit;

/// <summary>The runtime's calls: descriptors are numbered from 100 and never become readable.</summary>
public sealed partial class RecordingSystemCalls
{
    private int _nextDescriptor = 100;

    public int OpenProcessDescriptor(int pid)
    {
        Record($"pidfd_open {pid}");
        return Interlocked.Increment(ref _nextDescriptor);
    }

    public int CreateEventDescriptor()
    {
        Record("eventfd");
        return Interlocked.Increment(ref _nextDescriptor);
    }

    public void SignalEventDescriptor(int fd) => Record($"eventfd_write {fd}");

    public void ResetEventDescriptor(int fd) => Record($"eventfd_read {fd}");

    public int WaitReadable(ReadOnlySpan<int> fds, Span<bool> readable, int timeoutMilliseconds)
    {
        readable.Clear();
        return 0;
    }

    public bool SignalProcessDescriptor(int pidfd, int signal)
    {
        Record($"pidfd_send_signal {pidfd} {signal}");
        return true;
    }

    public void CloseDescriptor(int fd) => Record($"close {fd}");
}
