namespace ClusterKit.Worker.Host;

/// <summary>The MS_* flags of mount(2).</summary>
[Flags]
#pragma warning disable CA1028 // the kernel's type is unsigned long
public enum MountFlags : ulong
#pragma warning restore CA1028
{
    None = 0,
    ReadOnly = 1,
    NoSuid = 2,
    NoDev = 4,
    NoExec = 8,
    Remount = 32,
    NoAccessTime = 1024,
    Bind = 4096,
    Move = 8192,
    Recursive = 16384,
    Private = 1 << 18,
    Slave = 1 << 19,
    Shared = 1 << 20,
    RelativeAccessTime = 1 << 21,
}

/// <summary>The flags of umount2(2).</summary>
[Flags]
public enum UnmountFlags
{
    None = 0,
    Force = 1,
    Detach = 2,
}
