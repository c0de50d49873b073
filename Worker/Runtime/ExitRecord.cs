using System.Globalization;
using System.Text.Json;

namespace ClusterKit.Worker.Runtime;

/// <summary>Reads the files the shim writes: the exit record (JSON) and the pid file.</summary>
internal static class ExitRecord
{
    public static ContainerExit? TryRead(string path, bool oomKilled)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception missing) when (missing is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        var started = root.GetProperty("startedAt").GetString();
        var error = root.GetProperty("error").GetString();
        return new ContainerExit(
            root.GetProperty("exitCode").GetInt32(),
            root.GetProperty("signal").GetInt32(),
            string.IsNullOrEmpty(started) ? null : ParseTime(started),
            ParseTime(root.GetProperty("finishedAt").GetString()!),
            string.IsNullOrEmpty(error) ? null : error,
            oomKilled);
    }

    /// <summary>RFC 3339 with nanoseconds; .NET keeps 100 ns ticks, so the last two digits are rounded away.</summary>
    public static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    /// <summary>"SHIM_PID INIT_PID STARTED_AT".</summary>
    public static (int ShimPid, int InitPid, DateTimeOffset? StartedAt)? TryReadPidFile(string path)
    {
        string[] parts;
        try
        {
            parts = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        if (parts.Length < 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out var shim) || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var init))
        {
            throw new FormatException($"pid file {path} is malformed: \"{string.Join(' ', parts)}\", expected \"SHIM_PID INIT_PID STARTED_AT\"");
        }

        return (shim, init, parts.Length > 2 && parts[2].Length > 0 ? ParseTime(parts[2]) : null);
    }
}
