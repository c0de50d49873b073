namespace ClusterKit.Worker.Runtime.Plan;

/// <summary>RLIMIT_* numbers by Docker's --ulimit names.</summary>
internal static class Rlimits
{
    private static readonly string[] Names =
    [
        "cpu", "fsize", "data", "stack", "core", "rss", "nproc", "nofile", "memlock", "as", "locks",
        "sigpending", "msgqueue", "nice", "rtprio", "rttime",
    ];

    public static PlanRlimit ToPlan(ProcessRlimit limit)
    {
        ArgumentNullException.ThrowIfNull(limit);
        var resource = Array.IndexOf(Names, limit.Name.ToLowerInvariant());
        if (resource < 0)
        {
            throw new ArgumentException($"ulimit \"{limit.Name}\" is unknown: allowed are {string.Join(", ", Names)}", nameof(limit));
        }

        return limit.Soft <= limit.Hard
            ? new PlanRlimit(resource, limit.Soft, limit.Hard)
            : throw new ArgumentException($"ulimit {limit.Name}: soft limit {limit.Soft} is above hard limit {limit.Hard}", nameof(limit));
    }
}
