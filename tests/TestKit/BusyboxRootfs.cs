using System.Diagnostics;

namespace ClusterKit.TestKit;

/// <summary>Builds a busybox root filesystem (scripts/busybox-rootfs.sh) for real-kernel tests.</summary>
public static class BusyboxRootfs
{
    public static string Create(string directory)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(RepoPaths.Script("busybox-rootfs.sh"));
        info.ArgumentList.Add(directory);
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException("busybox-rootfs.sh failed: " + error);
        }

        return directory;
    }
}
