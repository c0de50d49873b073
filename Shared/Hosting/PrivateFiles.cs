using System.Runtime.InteropServices;

namespace ClusterKit.Shared.Hosting;

/// <summary>
/// Keeps what a node writes root-only: a process umask of 077 from the first line of Main (so a
/// file or socket is never, even for a moment, open to others), and the tightening of a data root
/// written by an older version with looser modes.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public static partial class PrivateFiles
{
    /// <summary>Group and other bits: none may be set on what a node writes.</summary>
    public const UnixFileMode GroupAndOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private const uint RootOnlyUmask = 0b_000_111_111; // 077

    /// <summary>Sets this process's umask to 077; returns the one it had.</summary>
    public static uint RestrictUmask() => umask(RootOnlyUmask);

    /// <summary>The umask a running process has (from /proc/PID/status), e.g. for tests.</summary>
    public static uint UmaskOf(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("Umask:", StringComparison.Ordinal))
            {
                return Convert.ToUInt32(line["Umask:".Length..].Trim(), 8);
            }
        }

        throw new InvalidDataException($"/proc/{pid}/status has no Umask line");
    }

    /// <summary>
    /// Removes group and other bits from <paramref name="root"/> and everything below it that
    /// <paramref name="descendInto"/> allows (given the path relative to the root); symlinks are
    /// never followed nor changed. A directory it refuses keeps its own mode and content (image
    /// content whose modes the containers need), protected by its root-only parents.
    /// </summary>
    public static int TightenTree(string root, Func<string, bool> descendInto)
    {
        ArgumentNullException.ThrowIfNull(descendInto);
        if (!Directory.Exists(root) || new DirectoryInfo(root).LinkTarget is not null)
        {
            return 0;
        }

        var changed = Tighten(root) ? 1 : 0;
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
            {
                if (entry.LinkTarget is not null)
                {
                    continue;
                }

                var relative = Path.GetRelativePath(root, entry.FullName);
                if (entry is DirectoryInfo)
                {
                    if (!descendInto(relative))
                    {
                        continue;
                    }

                    pending.Push(entry.FullName);
                }

                changed += Tighten(entry.FullName) ? 1 : 0;
            }
        }

        return changed;
    }

    /// <summary>Removes group and other bits from one path (not a symlink); true if it had any.</summary>
    public static bool Tighten(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null || !info.Exists && !Directory.Exists(path))
        {
            return false;
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & GroupAndOther) == 0)
        {
            return false;
        }

        File.SetUnixFileMode(path, mode & ~GroupAndOther);
        return true;
    }

    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint umask(uint mask);
}
