using System.Text;

namespace ClusterKit.Worker.Cgroups.Detection;

/// <summary>The cgroup mounts of a /proc/PID/mountinfo text: v1 hierarchies by controller and the v2 mount.</summary>
internal sealed record CgroupMounts(IReadOnlyDictionary<string, string> V1Mounts, string? V2Root);

/// <summary>Finds the cgroup hierarchies in a mountinfo text (pure; see proc(5), /proc/PID/mountinfo).</summary>
internal static class MountInfoParser
{
    /// <summary>The v1 controllers the kernel knows; anything else in a cgroup mount's options is a mount option or a name=.</summary>
    private static readonly HashSet<string> KnownV1Controllers =
    [
        "cpu", "cpuacct", "cpuset", "memory", "pids", "blkio", "io", "devices", "freezer", "net_cls", "net_prio",
        "perf_event", "hugetlb", "rdma", "misc", "debug",
    ];

    public static CgroupMounts Parse(string mountInfo)
    {
        var v1 = new Dictionary<string, string>(StringComparer.Ordinal);
        string? v2 = null;
        foreach (var rawLine in mountInfo.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            // id parent major:minor root mount-point options [optional fields...] - fstype source super-options
            var fields = line.Split(' ');
            var separator = Array.IndexOf(fields, "-", 6);
            if (fields.Length < 7 || separator < 0 || separator + 3 > fields.Length)
            {
                throw new FormatException($"malformed mountinfo line '{line}': expected 'ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ... - FSTYPE SOURCE SUPEROPTIONS'");
            }

            var mountPoint = Unescape(fields[4]);
            var fileSystemType = fields[separator + 1];
            var superOptions = separator + 3 < fields.Length ? fields[separator + 3] : string.Empty;
            if (fileSystemType == "cgroup2")
            {
                // A second cgroup2 mount is a bind of the same tree; the first one wins.
                v2 ??= mountPoint;
            }
            else if (fileSystemType == "cgroup")
            {
                foreach (var option in superOptions.Split(','))
                {
                    if (KnownV1Controllers.Contains(option))
                    {
                        v1.TryAdd(option, mountPoint);
                    }
                }
            }
        }

        return new CgroupMounts(v1, v2);
    }

    /// <summary>mountinfo escapes space, tab, newline and backslash as \ooo octal.</summary>
    internal static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var builder = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                builder.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                builder.Append(field[i]);
            }
        }

        return builder.ToString();
    }

    private static bool IsOctal(string text, int start) =>
        start + 3 <= text.Length && text.AsSpan(start, 3).IndexOfAnyExceptInRange('0', '7') < 0;
}
