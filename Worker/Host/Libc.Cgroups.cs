using System.Runtime.InteropServices;

namespace ClusterKit.Worker.Host;

internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "rmdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int CgroupRmdir(string path);
}
