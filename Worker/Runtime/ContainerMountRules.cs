using ClusterKit.Worker.Cgroups.Devices;
using ClusterKit.Worker.Runtime.Plan;

namespace ClusterKit.Worker.Runtime;

/// <summary>
/// What a container may mount and which devices it may be given, checked when it is created
/// (and again at start): absolute paths only; nothing over the container's /, /proc or /sys,
/// which would undo its masked and read-only paths (runc refuses the same); tmpfs options and
/// device permissions from Docker's sets. Each error is one line naming the mount.
/// </summary>
public static class ContainerMountRules
{
    /// <summary>/proc files that lxcfs-style binds may replace (runc allows exactly these).</summary>
    private static readonly HashSet<string> ProcFilesAllowed = new(StringComparer.Ordinal)
    {
        "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps", "/proc/uptime",
        "/proc/loadavg", "/proc/slabinfo", "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
    };

    public static void Validate(IEnumerable<BindMount> binds, IEnumerable<TmpfsMount> tmpfs, IEnumerable<DeviceMapping> devices)
    {
        ArgumentNullException.ThrowIfNull(binds);
        ArgumentNullException.ThrowIfNull(tmpfs);
        ArgumentNullException.ThrowIfNull(devices);
        foreach (var bind in binds)
        {
            var what = $"bind mount \"{bind.Source}:{bind.Target}\"";
            RequireAbsolute(what, "source", bind.Source);
            RequireAllowedTarget(what, bind.Target);
        }

        foreach (var mount in tmpfs)
        {
            var what = $"tmpfs \"{mount.Target}\"";
            RequireAllowedTarget(what, mount.Target);
            _ = LinuxMount.ParseTmpfsOptions(mount.Options);
        }

        foreach (var device in devices)
        {
            var what = $"device \"{device.HostPath}:{device.ContainerPath}:{device.Permissions}\"";
            RequireAbsolute(what, "host path", device.HostPath);
            RequireAllowedTarget(what, device.ContainerPath);
            if (!DeviceRule.IsAccessSet(device.Permissions))
            {
                throw new ArgumentException($"{what}: permissions \"{device.Permissions}\" are invalid; use a non-empty combination of r, w and m");
            }
        }
    }

    /// <summary>The path with ".", ".." and repeated or trailing slashes resolved lexically ("/a/../proc/" is "/proc").</summary>
    public static string Normalize(string absolutePath)
    {
        ArgumentNullException.ThrowIfNull(absolutePath);
        var parts = new List<string>();
        foreach (var part in absolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
            }
            else if (part != ".")
            {
                parts.Add(part);
            }
        }

        return "/" + string.Join('/', parts);
    }

    private static void RequireAllowedTarget(string what, string target)
    {
        RequireAbsolute(what, "target", target);
        var path = Normalize(target);
        if (path == "/")
        {
            throw new ArgumentException($"{what}: the target {target} is the container's root; mounts over /, /proc and /sys are refused");
        }

        foreach (var covered in new[] { "/proc", "/sys" })
        {
            if ((path == covered || path.StartsWith(covered + "/", StringComparison.Ordinal)) && !ProcFilesAllowed.Contains(path))
            {
                throw new ArgumentException($"{what}: the target {target} is in the container's {covered}; mounts over /, /proc and /sys are refused");
            }
        }
    }

    private static void RequireAbsolute(string what, string field, string path)
    {
        if (string.IsNullOrEmpty(path) || !path.StartsWith('/') || path.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"{what}: the {field} \"{path}\" must be an absolute path");
        }
    }
}
