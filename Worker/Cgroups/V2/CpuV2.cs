using System.Globalization;

namespace ClusterKit.Worker.Cgroups.V2;

/// <summary>cpu on v2: cpu.max ("QUOTA PERIOD") from nano-CPUs, and cpu.weight converted from shares.</summary>
internal sealed class CpuV2 : ILimitingController
{
    public string Name => "cpu";

    public CgroupVersion Version => CgroupVersion.V2;

    public void Apply(string directory, ResourceLimits limits)
    {
        var period = CpuMath.PeriodMicros.ToString(CultureInfo.InvariantCulture);
        var quota = limits.NanoCpus > 0 ? CpuMath.QuotaMicros(limits.NanoCpus).ToString(CultureInfo.InvariantCulture) : "max";
        CgroupFile.Write(directory, "cpu.max", $"{quota} {period}");

        var weight = limits.CpuShares > 0 ? CpuMath.SharesToWeight(limits.CpuShares) : CpuMath.DefaultWeight;
        CgroupFile.Write(directory, "cpu.weight", weight.ToString(CultureInfo.InvariantCulture));
    }
}
