namespace ClusterKit.Worker.Cgroups.Detection;

/// <summary>Parses /proc/PID/cgroup ("ID:CONTROLLERS:PATH" per line; "0::PATH" is the v2 tree). Pure.</summary>
internal static class ProcCgroupParser
{
    public static CgroupMembership Parse(string text)
    {
        var v1 = new Dictionary<string, string>(StringComparer.Ordinal);
        string? v2 = null;
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            var first = line.IndexOf(':', StringComparison.Ordinal);
            var second = first < 0 ? -1 : line.IndexOf(':', first + 1);
            if (second < 0)
            {
                throw new FormatException($"malformed /proc/self/cgroup line '{line}': expected 'ID:CONTROLLERS:PATH'");
            }

            var controllers = line[(first + 1)..second];
            var path = line[(second + 1)..];
            if (line[..first] == "0" && controllers.Length == 0)
            {
                v2 = path;
                continue;
            }

            foreach (var controller in controllers.Split(','))
            {
                if (controller.Length > 0)
                {
                    v1.TryAdd(controller, path);
                }
            }
        }

        return new CgroupMembership(v1, v2);
    }
}
