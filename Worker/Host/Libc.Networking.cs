using System.Runtime.InteropServices;

namespace ClusterKit.Worker.Host;

internal static partial class Libc
{
    public const int CLONE_NEWNET = 0x40000000;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setns(SafeHandle fd, int nstype);
}
