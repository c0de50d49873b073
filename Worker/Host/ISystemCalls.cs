namespace ClusterKit.Worker.Host;

/// <summary>
/// The one seam through which the worker makes kernel calls. Each area of the worker adds
/// its calls in its own partial file (ISystemCalls.Area.cs) so that every step can be
/// tested against a recording fake as well as against the real kernel.
/// </summary>
public partial interface ISystemCalls
{
    /// <summary>mount(2).</summary>
    void Mount(string source, string target, string? fileSystemType, MountFlags flags, string? data);

    /// <summary>umount2(2).</summary>
    void Unmount(string target, UnmountFlags flags);

    /// <summary>kill(2).</summary>
    void Kill(int pid, int signal);

    /// <summary>True when a process with this pid exists (kill(pid, 0)).</summary>
    bool ProcessExists(int pid);
}
