using ClusterKit.Worker.Cgroups.Devices;

namespace ClusterKit.Worker.Cgroups.V1;

/// <summary>devices on v1: "a" to devices.deny empties the allow list, then one devices.allow write per rule.</summary>
internal sealed class DevicesV1 : IDeviceController
{
    public string Name => "devices";

    public CgroupVersion Version => CgroupVersion.V1;

    public void Restrict(string directory, IReadOnlyList<DeviceRule> allowed)
    {
        CgroupFile.Write(directory, "devices.deny", "a");
        foreach (var rule in allowed)
        {
            CgroupFile.Write(directory, "devices.allow", rule.ToString());
        }
    }
}
