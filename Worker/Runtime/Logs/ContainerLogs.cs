using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace ClusterKit.Worker.Runtime.Logs;

/// <summary>One entry of a container's JSON-lines log.</summary>
public sealed record LogEntry(string Stream, string Text, DateTimeOffset Time);

/// <summary>Reads the JSON-lines logs the shim writes (Docker's json-file format), with rotated files.</summary>
public static class ContainerLogs
{
    private static readonly TimeSpan FollowPollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Parses one line; null for a torn or foreign line.</summary>
    public static LogEntry? Parse(string line)
    {
        try
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            return new LogEntry(
                root.GetProperty("stream").GetString() ?? string.Empty,
                root.GetProperty("log").GetString() ?? string.Empty,
                ExitRecord.ParseTime(root.GetProperty("time").GetString() ?? string.Empty));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The log files oldest first: path.N ... path.1, path.</summary>
    public static IReadOnlyList<string> Files(string logPath)
    {
        ArgumentNullException.ThrowIfNull(logPath);
        var rotated = new List<string>();
        for (var i = 1; File.Exists($"{logPath}.{i}"); i++)
        {
            rotated.Add($"{logPath}.{i}");
        }

        rotated.Reverse();
        if (File.Exists(logPath))
        {
            rotated.Add(logPath);
        }

        return rotated;
    }

    /// <summary>Every entry still on disk, oldest first; <paramref name="tail"/> &gt; 0 keeps only the last ones.</summary>
    public static IReadOnlyList<LogEntry> Read(string logPath, int tail = 0) => Read(logPath, tail, single: false);

    private static List<LogEntry> Read(string logPath, int tail, bool single)
    {
        var entries = new List<LogEntry>();
        foreach (var file in single ? [logPath] : Files(logPath))
        {
            try
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream, Encoding.UTF8);
                while (reader.ReadLine() is { } line)
                {
                    if (Parse(line) is { } entry)
                    {
                        entries.Add(entry);
                    }
                }
            }
            catch (FileNotFoundException)
            {
                // Rotated away while we listed: its entries moved to the next name.
            }
        }

        return tail > 0 && entries.Count > tail ? entries[^tail..] : entries;
    }

    /// <summary>
    /// The last <paramref name="tail"/> entries (all if 0), then new ones as the container writes
    /// them, across rotations, until <paramref name="hasExited"/> says the container is gone and
    /// nothing is left to read.
    /// </summary>
    public static async IAsyncEnumerable<LogEntry> FollowAsync(
        string logPath, int tail, Func<bool> hasExited, TimeProvider time, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hasExited);
        ArgumentNullException.ThrowIfNull(time);

        // Open the live file first: whatever the rotated files and this handle hold is history,
        // whatever lands in this handle later is new.
        var stream = OpenShared(logPath);
        long offset = 0;
        var pending = new StringBuilder();
        var history = new List<LogEntry>();
        foreach (var file in Files(logPath).Where(f => f != logPath))
        {
            history.AddRange(Read(file, 0, single: true));
        }

        if (stream is not null)
        {
            history.AddRange(ReadNew(stream, ref offset, pending));
        }

        foreach (var entry in tail > 0 && history.Count > tail ? history[^tail..] : history)
        {
            yield return entry;
        }

        try
        {
            while (true)
            {
                var exited = hasExited();
                stream ??= OpenShared(logPath);
                var progressed = false;
                if (stream is not null)
                {
                    foreach (var entry in ReadNew(stream, ref offset, pending))
                    {
                        progressed = true;
                        yield return entry;
                    }

                    // Rotated: the live file is a new one; finish the old handle, then switch.
                    if (IsReplaced(stream, logPath))
                    {
                        foreach (var entry in ReadNew(stream, ref offset, pending))
                        {
                            yield return entry;
                        }

                        await stream.DisposeAsync();
                        stream = OpenShared(logPath);
                        offset = 0;
                        pending.Clear();
                        continue;
                    }
                }

                if (!progressed && exited)
                {
                    yield break;
                }

                if (!progressed)
                {
                    await Task.Delay(FollowPollInterval, time, cancellationToken);
                }
            }
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync();
            }
        }
    }

    private static FileStream? OpenShared(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    private static List<LogEntry> ReadNew(FileStream stream, ref long offset, StringBuilder pending)
    {
        var entries = new List<LogEntry>();
        if (stream.Length < offset)
        {
            // Truncated in place (max-file 1): start over.
            offset = 0;
            pending.Clear();
        }

        if (stream.Length <= offset)
        {
            return entries;
        }

        stream.Position = offset;
        var buffer = new byte[stream.Length - offset];
        var n = stream.Read(buffer, 0, buffer.Length);
        offset += n;
        pending.Append(Encoding.UTF8.GetString(buffer, 0, n));
        var text = pending.ToString();
        var last = text.LastIndexOf('\n');
        if (last < 0)
        {
            return entries;
        }

        foreach (var line in text[..last].Split('\n'))
        {
            if (Parse(line) is { } entry)
            {
                entries.Add(entry);
            }
        }

        pending.Clear().Append(text[(last + 1)..]);
        return entries;
    }

    private static bool IsReplaced(FileStream stream, string path)
    {
        try
        {
            var live = new FileInfo(path);
            if (!live.Exists)
            {
                return false;
            }

            // The rotated file keeps our handle; a new live file starts smaller than our offset
            // or differs in inode. Inode numbers are not exposed portably, so compare via /proc.
            var ours = File.ResolveLinkTarget($"/proc/self/fd/{stream.SafeFileHandle.DangerousGetHandle()}", false)?.FullName;
            return ours is not null && ours != Path.GetFullPath(path);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
