using System.Runtime.InteropServices;

namespace ClusterKit.Worker.Host;

internal static partial class Libc
{
    public const int SYS_bpf = 321;
    public const int BPF_PROG_LOAD = 5;
    public const int BPF_PROG_ATTACH = 8;
    public const uint BPF_PROG_TYPE_CGROUP_DEVICE = 15;
    public const uint BPF_CGROUP_DEVICE = 6;
    public const int O_RDONLY = 0;
    public const int O_DIRECTORY = 0x10000;

    /// <summary>union bpf_attr, as large as any command we use needs; the kernel requires unused bytes to be zero.</summary>
    public const int BpfAttrSize = 128;

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    public static unsafe partial long syscall_bpf(long number, int command, void* attr, uint size);

    public const int AT_FDCWD = -100;
    public const uint STATX_TYPE_MODE = 0x3;
    public const int StatxSize = 256;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial int statx(int dirfd, string path, int flags, uint mask, void* buffer);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int OpenPath(string path, int flags);
}
