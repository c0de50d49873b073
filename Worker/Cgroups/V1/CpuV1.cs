using System.Globalization;

namespace ClusterKit.Worker.Cgroups.V1;

/// <summary>cpu on v1: a CFS quota over a 100 ms period from nano-CPUs, and cpu.shares.</summary>
internal sealed class CpuV1 : ILimitingController
{
    public string Name => "cpu";

    public CgroupVersion Version => CgroupVersion.V1;

    public void Apply(string directory, ResourceLimits limits)
    {
        if (limits.NanoCpus > 0)
        {
            // The period first: the kernel checks a quota against the period in force.
            CgroupFile.Write(directory, "cpu.cfs_period_us", CpuMath.PeriodMicros.ToString(CultureInfo.InvariantCulture));
            CgroupFile.Write(directory, "cpu.cfs_quota_us", CpuMath.QuotaMicros(limits.NanoCpus).ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            CgroupFile.Write(directory, "cpu.cfs_quota_us", "-1");
        }

        var shares = limits.CpuShares > 0 ? limits.CpuShares : CpuMath.DefaultShares;
        CgroupFile.Write(directory, "cpu.shares", shares.ToString(CultureInfo.InvariantCulture));
    }
}
