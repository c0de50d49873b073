using System.Globalization;

namespace ClusterKit.Worker.Cgroups.V1;

/// <summary>memory on v1: memory.limit_in_bytes, no swapping under a limit, usage without the page cache, OOM kills.</summary>
internal sealed class MemoryV1 : ILimitingController, IAccountingController, IOomReporter
{
    public string Name => "memory";

    public CgroupVersion Version => CgroupVersion.V1;

    public void Apply(string directory, ResourceLimits limits)
    {
        var limit = limits.MemoryBytes > 0 ? limits.MemoryBytes.ToString(CultureInfo.InvariantCulture) : "-1";
        CgroupFile.Write(directory, "memory.limit_in_bytes", limit);

        // Without swap accounting a limited container could page out instead of hitting its limit.
        if (limits.MemoryBytes > 0 && CgroupFile.Exists(directory, "memory.swappiness"))
        {
            CgroupFile.Write(directory, "memory.swappiness", "0");
        }
    }

    public void ReadUsage(string directory, ResourceUsageBuilder usage)
    {
        // As `docker stats`: usage minus the inactive page cache, which the kernel reclaims first.
        var used = CgroupFile.ReadNumber(directory, "memory.usage_in_bytes");
        var inactive = CgroupFile.ReadKeyed(directory, "memory.stat", "total_inactive_file") ?? 0;
        usage.MemoryUsageBytes = inactive < used ? used - inactive : used;
        usage.MemoryLimitBytes = CgroupFile.ReadLimit(directory, "memory.limit_in_bytes");
    }

    public ulong OomKills(string directory)
    {
        // oom_kill appeared in memory.oom_control with Linux 4.13; before that failcnt says the limit was hit.
        var kills = CgroupFile.ReadKeyed(directory, "memory.oom_control", "oom_kill");
        if (kills is not null)
        {
            return kills.Value;
        }

        return CgroupFile.ReadNumber(directory, "memory.failcnt") > 0 ? 1UL : 0UL;
    }
}
