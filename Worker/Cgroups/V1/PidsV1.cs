using System.Globalization;

namespace ClusterKit.Worker.Cgroups.V1;

/// <summary>pids on v1: pids.max and pids.current.</summary>
internal sealed class PidsV1 : ILimitingController, IAccountingController
{
    public string Name => "pids";

    public CgroupVersion Version => CgroupVersion.V1;

    public void Apply(string directory, ResourceLimits limits) =>
        CgroupFile.Write(directory, "pids.max", limits.PidsLimit > 0 ? limits.PidsLimit.ToString(CultureInfo.InvariantCulture) : "max");

    public void ReadUsage(string directory, ResourceUsageBuilder usage)
    {
        usage.PidsCurrent = CgroupFile.ReadNumber(directory, "pids.current");
        usage.PidsLimit = CgroupFile.ReadLimit(directory, "pids.max");
    }
}
