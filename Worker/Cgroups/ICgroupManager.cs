using ClusterKit.Worker.Cgroups.Devices;

namespace ClusterKit.Worker.Cgroups;

/// <summary>
/// Creates, limits, measures and removes the cgroup of one container, hiding whether the
/// host runs cgroup v1, v2 or a hybrid of both.
/// </summary>
public interface ICgroupManager
{
    /// <summary>The detected layout (which controllers live on v1, which on v2).</summary>
    CgroupLayout Layout { get; }

    /// <summary>Creates (idempotently) the cgroup named <paramref name="name"/> and applies the limits.</summary>
    ICgroupHandle Create(string name, ResourceLimits limits);

    /// <summary>The handle of an existing cgroup (after a worker restart), or null.</summary>
    ICgroupHandle? Open(string name);
}

/// <summary>One container's cgroup, possibly spread over several v1 hierarchies.</summary>
public interface ICgroupHandle
{
    string Name { get; }

    /// <summary>Every cgroup.procs file a process must be written to, to join this cgroup everywhere.</summary>
    IReadOnlyList<string> ProcsFiles { get; }

    void AddProcess(int pid);

    /// <summary>
    /// Denies every device to the cgroup's processes except <paramref name="allowed"/> (v1 devices
    /// controller, or a BPF device program on v2). Throws when the host offers neither.
    /// </summary>
    void RestrictDevices(IReadOnlyList<DeviceRule> allowed);

    ResourceUsage ReadUsage();

    /// <summary>True when the kernel's OOM killer killed a process of this cgroup.</summary>
    bool WasOomKilled();

    /// <summary>Pids still in the cgroup.</summary>
    IReadOnlyList<int> Processes();

    /// <summary>Removes the cgroup directories (kills what is left first).</summary>
    void Delete();
}

/// <summary>
/// A container's limits, 0 meaning none: memory in bytes (at least 6 MiB), CPUs in billionths
/// (0.01 up to the machine's CPUs), cpu shares (2 to 262144), pids (-1 also means none).
/// </summary>
public sealed record ResourceLimits(long MemoryBytes = 0, long NanoCpus = 0, long CpuShares = 0, long PidsLimit = 0)
{
    public static ResourceLimits None { get; } = new();
}

/// <summary>What a container uses now; a limit of 0 means none is set.</summary>
public sealed record ResourceUsage(ulong CpuUsageNanos, ulong MemoryUsageBytes, ulong MemoryLimitBytes, ulong PidsCurrent, ulong PidsLimit);

/// <summary>Where each controller is mounted: v1 hierarchies by controller, and the v2 root if any.</summary>
public sealed record CgroupLayout(IReadOnlyDictionary<string, string> V1Mounts, string? V2Root)
{
    public bool IsPureV2 => V1Mounts.Count == 0 && V2Root is not null;

    /// <summary>The controllers the v2 root offers (its cgroup.controllers); empty without a v2 tree.</summary>
    public IReadOnlySet<string> V2Controllers { get; init; } = new HashSet<string>();

    /// <summary>The worker process's own cgroups, from /proc/self/cgroup.</summary>
    public CgroupMembership Self { get; init; } = CgroupMembership.Unknown;

    /// <summary>
    /// Where a controller is used: on its v1 hierarchy when it has one, else on the v2 tree when
    /// the v2 root offers it, else nowhere (null).
    /// </summary>
    public CgroupVersion? Locate(string controller) =>
        V1Mounts.ContainsKey(controller) ? CgroupVersion.V1
        : V2Root is not null && V2Controllers.Contains(controller) ? CgroupVersion.V2
        : null;
}

public enum CgroupVersion
{
    V1 = 1,
    V2 = 2,
}

/// <summary>A process's cgroup paths (relative to each hierarchy's root) as /proc/PID/cgroup lists them.</summary>
public sealed record CgroupMembership(IReadOnlyDictionary<string, string> V1Paths, string? V2Path)
{
    public static CgroupMembership Unknown { get; } = new(new Dictionary<string, string>(), null);
}
