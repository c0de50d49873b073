using System.Runtime.InteropServices;

namespace ClusterKit.Worker.Host;

public sealed partial class LinuxSystemCalls
{
    public void RemoveCgroupDirectory(string path)
    {
        if (Libc.CgroupRmdir(path) != 0)
        {
            throw new KernelCallException("rmdir", path, Marshal.GetLastPInvokeError());
        }
    }
}
