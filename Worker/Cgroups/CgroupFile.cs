using System.Globalization;
using System.Text;

namespace ClusterKit.Worker.Cgroups;

/// <summary>Reads and writes the interface files of one cgroup directory, with errors that name the file and value.</summary>
internal static class CgroupFile
{
    /// <summary>Above this a v1 limit is the kernel's "no limit" (LONG_MAX rounded down to a page).</summary>
    private const ulong UnlimitedThreshold = 1UL << 62;

    public static bool Exists(string directory, string file) => File.Exists(Path.Combine(directory, file));

    /// <summary>One write(2) of the whole value, as the kernel parses each write on its own.</summary>
    public static void Write(string directory, string file, string value)
    {
        var path = Path.Combine(directory, file);
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Truncate, FileAccess.Write);
            RandomAccess.Write(handle, Encoding.ASCII.GetBytes(value), 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CgroupException($"cannot write '{value}' to {path}: {e.Message}", e);
        }
    }

    public static string Read(string directory, string file)
    {
        var path = Path.Combine(directory, file);
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CgroupException($"cannot read {path}: {e.Message}", e);
        }
    }

    /// <summary>A file holding one unsigned number.</summary>
    public static ulong ReadNumber(string directory, string file) => ParseNumber(directory, file, Read(directory, file).Trim());

    /// <summary>A limit file: a number, or "max" / a v1 near-LONG_MAX value meaning no limit, reported as 0.</summary>
    public static ulong ReadLimit(string directory, string file)
    {
        var text = Read(directory, file).Trim();
        if (text == "max")
        {
            return 0;
        }

        // v1 writes -1 as "no limit" for a few files (cpu.cfs_quota_us); report it as none.
        if (text == "-1")
        {
            return 0;
        }

        var value = ParseNumber(directory, file, text);
        return value >= UnlimitedThreshold ? 0 : value;
    }

    /// <summary>A flat keyed file ("key value" per line: memory.stat, cpu.stat, memory.events, memory.oom_control); null when the key is absent.</summary>
    public static ulong? ReadKeyed(string directory, string file, string key)
    {
        foreach (var line in Read(directory, file).Split('\n'))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && line.AsSpan(0, space).SequenceEqual(key))
            {
                return ParseNumber(directory, file, line[(space + 1)..].Trim());
            }
        }

        return null;
    }

    /// <summary>cgroup.procs: one pid per line.</summary>
    public static IReadOnlyList<int> ReadPids(string directory)
    {
        var pids = new List<int>();
        foreach (var line in Read(directory, "cgroup.procs").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                throw new CgroupException($"unexpected line '{line}' in {Path.Combine(directory, "cgroup.procs")}: expected a pid");
            }

            pids.Add(pid);
        }

        return pids;
    }

    private static ulong ParseNumber(string directory, string file, string text) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new CgroupException($"unexpected value '{text}' in {Path.Combine(directory, file)}: expected an unsigned number");
}
