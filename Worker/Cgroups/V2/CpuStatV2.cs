namespace ClusterKit.Worker.Cgroups.V2;

/// <summary>
/// CPU time on v2 from cpu.stat usage_usec. cpu.stat is a core file of every v2 cgroup, so this
/// works whether or not the cpu controller itself is enabled there.
/// </summary>
internal sealed class CpuStatV2 : IAccountingController
{
    public string Name => "cpu";

    public CgroupVersion Version => CgroupVersion.V2;

    public void ReadUsage(string directory, ResourceUsageBuilder usage) =>
        usage.CpuUsageNanos = (CgroupFile.ReadKeyed(directory, "cpu.stat", "usage_usec") ?? 0) * 1000;
}
