namespace ClusterKit.Worker.Cgroups;

/// <summary>One controller on one cgroup version, working on a cgroup directory (real or a test's temporary copy).</summary>
internal interface ICgroupController
{
    /// <summary>The kernel's name for the controller: memory, cpu, cpuacct, pids.</summary>
    string Name { get; }

    CgroupVersion Version { get; }
}

/// <summary>A controller that enforces part of <see cref="ResourceLimits"/>.</summary>
internal interface ILimitingController : ICgroupController
{
    void Apply(string directory, ResourceLimits limits);
}

/// <summary>A controller that reports part of <see cref="ResourceUsage"/>.</summary>
internal interface IAccountingController : ICgroupController
{
    void ReadUsage(string directory, ResourceUsageBuilder usage);
}

/// <summary>The memory controller also knows whether the OOM killer struck.</summary>
internal interface IOomReporter : ICgroupController
{
    /// <summary>How many processes of the cgroup the OOM killer killed (or, without that counter, a hint that it did).</summary>
    ulong OomKills(string directory);
}

/// <summary>Collects <see cref="ResourceUsage"/> from several controllers.</summary>
internal sealed class ResourceUsageBuilder
{
    public ulong CpuUsageNanos { get; set; }

    public ulong MemoryUsageBytes { get; set; }

    public ulong MemoryLimitBytes { get; set; }

    public ulong PidsCurrent { get; set; }

    public ulong PidsLimit { get; set; }

    public ResourceUsage Build() => new(CpuUsageNanos, MemoryUsageBytes, MemoryLimitBytes, PidsCurrent, PidsLimit);
}
