namespace ClusterKit.Worker.Cgroups.Devices;

/// <summary>Restricts which device nodes the processes of a cgroup may open or create.</summary>
internal interface IDeviceController : ICgroupController
{
    /// <summary>Denies every device, then allows exactly <paramref name="allowed"/>. Calling it again replaces the rules.</summary>
    void Restrict(string directory, IReadOnlyList<DeviceRule> allowed);
}
