using ClusterKit.Worker.Host;

namespace ClusterKit.Worker.Containers;

/// <summary>
/// Keeps the containers' run directory on a tmpfs: their plan, pid and exit records, sockets and
/// small files are written at every start and need not outlive the machine. A directory already
/// on a tmpfs (e.g. below a systemd host's /run) is used as is; otherwise a tmpfs is mounted on
/// it, once: it stays across worker restarts, so running containers are found again.
/// </summary>
internal static class RunDirectoryMount
{
    /// <summary>Small files only; the limit keeps a runaway writer from taking the host's memory.</summary>
    public const string Options = "mode=0700,size=64m";

    /// <summary>Creates <paramref name="directory"/> and mounts a tmpfs on it unless it is on one; true if it mounted.</summary>
    public static bool Ensure(string directory, ISystemCalls systemCalls)
    {
        ArgumentNullException.ThrowIfNull(systemCalls);
        var full = Path.GetFullPath(directory);
        Directory.CreateDirectory(full);
        var real = RealPath(full);
        if (FileSystemOf(real, File.ReadAllText("/proc/self/mountinfo")) is "tmpfs")
        {
            return false;
        }

        systemCalls.Mount("tmpfs", real, "tmpfs", MountFlags.NoSuid | MountFlags.NoDev, Options);
        return true;
    }

    /// <summary>
    /// The file system type of the mount that holds <paramref name="path"/> (absolute, no
    /// symlinks), from the text of /proc/self/mountinfo: the last-listed mount at the longest
    /// mount point that is a prefix of the path (a later mount on the same point hides earlier ones).
    /// </summary>
    public static string? FileSystemOf(string path, string mountInfo)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(mountInfo);
        string? type = null;
        var bestLength = -1;
        foreach (var line in mountInfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            var separator = Array.IndexOf(fields, "-");
            if (fields.Length < 5 || separator < 0 || separator + 1 >= fields.Length)
            {
                continue;
            }

            var mountPoint = Unescape(fields[4]);
            if (!Contains(mountPoint, path) || mountPoint.Length < bestLength)
            {
                continue;
            }

            bestLength = mountPoint.Length;
            type = fields[separator + 1];
        }

        return type;
    }

    /// <summary>Mount points at or below <paramref name="root"/> in a mountinfo text, deepest (and latest) first: the order to unmount them in.</summary>
    public static IReadOnlyList<string> MountsUnder(string root, string mountInfo)
    {
        ArgumentNullException.ThrowIfNull(mountInfo);
        var mounts = new List<string>();
        foreach (var line in mountInfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            if (fields.Length < 5)
            {
                continue;
            }

            var mountPoint = Unescape(fields[4]);
            if (root != "/" && (mountPoint == root || mountPoint.StartsWith(root + "/", StringComparison.Ordinal)))
            {
                mounts.Add(mountPoint);
            }
        }

        mounts.Reverse();
        return [.. mounts.Select((point, order) => (point, order)).OrderByDescending(m => m.point.Count(c => c == '/')).ThenBy(m => m.order).Select(m => m.point)];
    }

    /// <summary>The real path of <paramref name="path"/> (mountinfo lists real paths); the path itself if it does not exist.</summary>
    public static string Resolve(string path) => Directory.Exists(path) ? RealPath(Path.GetFullPath(path)) : Path.GetFullPath(path);

    private static bool Contains(string mountPoint, string path) =>
        mountPoint == "/" || path == mountPoint || path.StartsWith(mountPoint + "/", StringComparison.Ordinal);

    /// <summary>mountinfo writes space, tab, newline and backslash as octal escapes.</summary>
    private static string Unescape(string field) =>
        field.Replace("\\040", " ", StringComparison.Ordinal).Replace("\\011", "\t", StringComparison.Ordinal)
            .Replace("\\012", "\n", StringComparison.Ordinal).Replace("\\134", "\\", StringComparison.Ordinal);

    /// <summary>The path with every symlink resolved (mountinfo lists real paths).</summary>
    private static string RealPath(string path)
    {
        var result = "/";
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(result, part);
            var target = new DirectoryInfo(next).ResolveLinkTarget(returnFinalTarget: true);
            result = target is null ? next : Path.GetFullPath(target.FullName);
        }

        return result;
    }
}
