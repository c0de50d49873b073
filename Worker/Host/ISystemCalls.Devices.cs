namespace ClusterKit.Worker.Host;

/// <summary>Kernel calls of the cgroup v2 device filter: bpf(2).</summary>
public partial interface ISystemCalls
{
    /// <summary>
    /// bpf(2) BPF_PROG_LOAD of a BPF_PROG_TYPE_CGROUP_DEVICE program (eBPF instructions, 8 bytes
    /// each, little-endian); returns the program's descriptor. A rejection by the verifier throws
    /// with the verifier's log in the message.
    /// </summary>
    int LoadCgroupDeviceProgram(ReadOnlySpan<byte> instructions, string license);

    /// <summary>
    /// bpf(2) BPF_PROG_ATTACH of a device program to a cgroup v2 directory as its only device
    /// program (no BPF_F_ALLOW_MULTI): attaching again replaces the previous one. The cgroup keeps
    /// the program alive after the descriptor is closed.
    /// </summary>
    void AttachCgroupDeviceProgram(string cgroupDirectory, int programDescriptor);

    /// <summary>
    /// statx(2) of <paramref name="path"/>, symlinks followed: the device node it is, or null when it
    /// is no character or block device. Throws <see cref="KernelCallException"/> when it cannot be read.
    /// </summary>
    DeviceNode? StatDeviceNode(string path);
}

/// <summary>A device node: 'c' (character) or 'b' (block), its numbers and its permission bits.</summary>
public sealed record DeviceNode(char Type, uint Major, uint Minor, uint Mode);
