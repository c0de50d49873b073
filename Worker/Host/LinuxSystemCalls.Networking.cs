using System.Runtime.InteropServices;

namespace ClusterKit.Worker.Host;

public sealed partial class LinuxSystemCalls
{
    public void EnterNetworkNamespace(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        if (Libc.setns(handle, Libc.CLONE_NEWNET) != 0)
        {
            throw new KernelCallException("setns", $"{path}, CLONE_NEWNET", Marshal.GetLastPInvokeError());
        }
    }
}
