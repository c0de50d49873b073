using Microsoft.Extensions.Logging;

namespace ClusterKit.Worker.Cgroups;

internal static partial class CgroupLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Cgroup layout: v1 {V1Controllers}, v2 root {V2Root} offering {V2Controllers}")]
    public static partial void LayoutDetected(ILogger logger, string v1Controllers, string v2Root, string v2Controllers);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug, Message = "Created cgroup {Name} in {Directories} with {Limits}")]
    public static partial void Created(ILogger logger, string name, string directories, ResourceLimits limits);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "Killed {Count} processes left in cgroup {Name}")]
    public static partial void KilledLeftovers(ILogger logger, string name, int count);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Debug, Message = "Removed cgroup {Name}")]
    public static partial void Removed(ILogger logger, string name);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Creating cgroup {Name} failed; removing what was made")]
    public static partial void CreateFailed(ILogger logger, Exception exception, string name);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "Could not remove the half-made cgroup {Name}")]
    public static partial void CleanupFailed(ILogger logger, Exception exception, string name);
}
