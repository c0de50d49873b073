using ClusterKit.Worker.Cgroups.Devices;
using ClusterKit.Worker.Host;

namespace ClusterKit.Worker.Cgroups.V2;

/// <summary>
/// devices on v2 has no interface files: a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the
/// cgroup decides each open and mknod (<see cref="DeviceFilterCompiler"/>). Attaching again
/// replaces the program, so a second Restrict is an update.
/// </summary>
internal sealed class DevicesV2(ISystemCalls systemCalls) : IDeviceController
{
    /// <summary>The program only declares its license; it calls no kernel helper that needs one.</summary>
    private const string License = "Apache-2.0";

    public string Name => "devices";

    public CgroupVersion Version => CgroupVersion.V2;

    public void Restrict(string directory, IReadOnlyList<DeviceRule> allowed)
    {
        var program = DeviceFilterCompiler.ToBytes(DeviceFilterCompiler.Compile(allowed));
        int fd;
        try
        {
            fd = systemCalls.LoadCgroupDeviceProgram(program, License);
        }
        catch (KernelCallException e)
        {
            throw new CgroupException($"cannot load the device filter for {directory}: {e.Message}", e);
        }

        try
        {
            systemCalls.AttachCgroupDeviceProgram(directory, fd);
        }
        catch (KernelCallException e)
        {
            throw new CgroupException($"cannot attach the device filter to {directory}: {e.Message}", e);
        }
        finally
        {
            systemCalls.CloseDescriptor(fd);
        }
    }
}
