using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ClusterKit.Bench.Registry;

/// <summary>
/// CPU time spent by the two ends of a transfer: the registry's server process (read live from the kernel) and skopeo,
/// a child the bench has waited for (its time lands in this process's children's usage once it is reaped).
/// </summary>
internal static partial class CpuTime
{
    private const int ChildrenOfThisProcess = -1; // RUSAGE_CHILDREN

    /// <summary>User plus system time of a running process; zero once it has gone.</summary>
    public static TimeSpan OfProcess(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return process.TotalProcessorTime;
        }
        catch (ArgumentException)
        {
            return TimeSpan.Zero;
        }
    }

    /// <summary>User plus system time of every child this process has reaped so far.</summary>
    public static TimeSpan OfReapedChildren()
    {
        if (GetResourceUsage(ChildrenOfThisProcess, out var usage) != 0)
        {
            throw new InvalidOperationException($"getrusage failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return Span(usage.UserTime) + Span(usage.SystemTime);
    }

    private static TimeSpan Span(TimeValue value) => TimeSpan.FromSeconds(value.Seconds) + TimeSpan.FromMicroseconds(value.Microseconds);

    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static partial int GetResourceUsage(int who, out ResourceUsage usage);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeValue
    {
        public long Seconds;
        public long Microseconds;
    }

    // struct rusage on 64-bit Linux: two timevals, then fourteen longs the bench does not read.
    [StructLayout(LayoutKind.Sequential)]
    private struct ResourceUsage
    {
        public TimeValue UserTime;
        public TimeValue SystemTime;
        private unsafe fixed long _rest[14];
    }
}
