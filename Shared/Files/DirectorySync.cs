using System.Runtime.InteropServices;

namespace ClusterKit.Shared.Files;

/// <summary>fsync of a directory, which makes a rename or a new entry in it durable (.NET opens no directory handles).</summary>
public static partial class DirectorySync
{
    private const int ReadOnly = 0;
    private const int CloseOnExec = 0x80000;
    private const int InvalidArgument = 22;

    public static void Flush(string directory)
    {
        var fd = Open(directory, ReadOnly | CloseOnExec);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory {directory} to flush it: {Marshal.GetLastPInvokeErrorMessage()}");
        }

        try
        {
            // A file system that cannot sync directories (EINVAL) has nothing more to make durable.
            if (Fsync(fd) != 0 && Marshal.GetLastPInvokeError() != InvalidArgument)
            {
                throw new IOException($"cannot flush directory {directory}: {Marshal.GetLastPInvokeErrorMessage()}");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
