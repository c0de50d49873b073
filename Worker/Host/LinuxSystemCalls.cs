using System.Runtime.InteropServices;

namespace ClusterKit.Worker.Host;

/// <summary>The real kernel, through libc.</summary>
public sealed partial class LinuxSystemCalls : ISystemCalls
{
    public static LinuxSystemCalls Instance { get; } = new();

    public void Mount(string source, string target, string? fileSystemType, MountFlags flags, string? data)
    {
        if (Libc.mount(source, target, fileSystemType, (ulong)flags, data) != 0)
        {
            throw new KernelCallException("mount", $"{source} -> {target} ({fileSystemType})", Marshal.GetLastPInvokeError());
        }
    }

    public void Unmount(string target, UnmountFlags flags)
    {
        if (Libc.umount2(target, (int)flags) != 0)
        {
            throw new KernelCallException("umount2", target, Marshal.GetLastPInvokeError());
        }
    }

    public void Kill(int pid, int signal)
    {
        if (Libc.kill(pid, signal) != 0)
        {
            throw new KernelCallException("kill", $"{pid}, {signal}", Marshal.GetLastPInvokeError());
        }
    }

    public bool ProcessExists(int pid) => Libc.kill(pid, 0) == 0 || Marshal.GetLastPInvokeError() == Libc.EPERM;
}
