using System.Globalization;

namespace ClusterKit.Worker.Cgroups.V2;

/// <summary>memory on v2: memory.max, no swap under a limit, usage without the page cache, OOM kills from memory.events.</summary>
internal sealed class MemoryV2 : ILimitingController, IAccountingController, IOomReporter
{
    public string Name => "memory";

    public CgroupVersion Version => CgroupVersion.V2;

    public void Apply(string directory, ResourceLimits limits)
    {
        var limited = limits.MemoryBytes > 0;
        CgroupFile.Write(directory, "memory.max", limited ? limits.MemoryBytes.ToString(CultureInfo.InvariantCulture) : "max");

        // memory.swap.max exists only with swap accounting; a limited container must not page out past its limit.
        if (CgroupFile.Exists(directory, "memory.swap.max"))
        {
            CgroupFile.Write(directory, "memory.swap.max", limited ? "0" : "max");
        }
    }

    public void ReadUsage(string directory, ResourceUsageBuilder usage)
    {
        var used = CgroupFile.ReadNumber(directory, "memory.current");
        var inactive = CgroupFile.ReadKeyed(directory, "memory.stat", "inactive_file") ?? 0;
        usage.MemoryUsageBytes = inactive < used ? used - inactive : used;
        usage.MemoryLimitBytes = CgroupFile.ReadLimit(directory, "memory.max");
    }

    public ulong OomKills(string directory) => CgroupFile.ReadKeyed(directory, "memory.events", "oom_kill") ?? 0;
}
