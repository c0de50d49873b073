using System.Globalization;
using System.Text;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Cli.Control;

/// <summary>`ck cluster inspect` as text: one "Key: value" line per fact (pure).</summary>
internal static class ClusterInfoText
{
    /// <param name="now">To write the times of today's node state changes short.</param>
    public static string Format(ClusterInfo info, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(info);
        var text = new StringBuilder();
        Line(text, "ID", info.ClusterId);
        Line(text, "Created", info.CreatedUnixMs > 0 ? Time(DateTimeOffset.FromUnixTimeMilliseconds(info.CreatedUnixMs)) : "unknown");
        Line(text, "Managers", string.Create(CultureInfo.InvariantCulture, $"{info.ReachableManagers} of {info.Managers} reachable"));
        Line(text, "Quorum", info.HasQuorum ? "yes" : string.Create(CultureInfo.InvariantCulture, $"no ({(info.Managers / 2) + 1} managers needed)"));
        Line(text, "Leader", info.LeaderNodeId.Length > 0 ? info.LeaderNodeId : "none");
        Line(text, "Store version", info.StoreVersion.ToString(CultureInfo.InvariantCulture));
        Line(text, "Heartbeat period", Duration(info.HeartbeatPeriodMs));
        Line(text, "Certificate validity", Duration(info.CertificateValidityMs));
        Line(text, "CA rotation", info.CaRotationPhase.Length > 0 ? info.CaRotationPhase : "none");
        var waiting = RotationProgressText.NodeLines(info, now);
        if (waiting.Count > 0)
        {
            Line(text, "Rotation waits for", RotationProgressText.Count(waiting.Count, info.Nodes));
            foreach (var line in waiting)
            {
                text.Append("  ").Append(line).Append('\n');
            }
        }
        text.Append("Root CA digests:\n");
        foreach (var digest in info.RootDigests)
        {
            text.Append("  ").Append(digest).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Milliseconds as Go-style durations, largest units first: 5s, 2160h0m0s, 1.5s.</summary>
    public static string Duration(long milliseconds)
    {
        if (milliseconds <= 0)
        {
            return "unset";
        }

        var span = TimeSpan.FromMilliseconds(milliseconds);
        if (span < TimeSpan.FromMinutes(1))
        {
            return span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
        }

        return string.Create(CultureInfo.InvariantCulture, $"{(long)span.TotalHours}h{span.Minutes}m{span.Seconds}s");
    }

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static void Line(StringBuilder text, string key, string value) => text.Append(key).Append(": ").Append(value).Append('\n');
}
