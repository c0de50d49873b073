namespace ClusterKit.Worker.Cgroups.V1;

/// <summary>cpuacct on v1: the CPU time of the cgroup's processes, in nanoseconds.</summary>
internal sealed class CpuacctV1 : IAccountingController
{
    public string Name => "cpuacct";

    public CgroupVersion Version => CgroupVersion.V1;

    public void ReadUsage(string directory, ResourceUsageBuilder usage) =>
        usage.CpuUsageNanos = CgroupFile.ReadNumber(directory, "cpuacct.usage");
}
