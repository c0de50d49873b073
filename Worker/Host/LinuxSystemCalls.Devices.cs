using System.Runtime.InteropServices;
using System.Text;

namespace ClusterKit.Worker.Host;

public sealed partial class LinuxSystemCalls
{
    private const int VerifierLogSize = 16384;

    public unsafe int LoadCgroupDeviceProgram(ReadOnlySpan<byte> instructions, string license)
    {
        if (instructions.Length == 0 || instructions.Length % 8 != 0)
        {
            throw new ArgumentException($"a BPF program is a non-empty array of 8-byte instructions; got {instructions.Length} bytes", nameof(instructions));
        }

        var licenseBytes = Encoding.ASCII.GetBytes(license + "\0");
        var log = new byte[VerifierLogSize];
        var attr = stackalloc byte[Libc.BpfAttrSize];
        new Span<byte>(attr, Libc.BpfAttrSize).Clear();
        fixed (byte* insns = instructions)
        fixed (byte* lic = licenseBytes)
        fixed (byte* logBuffer = log)
        {
            // struct { u32 prog_type; u32 insn_cnt; u64 insns; u64 license; u32 log_level; u32 log_size; u64 log_buf; ...; u32 expected_attach_type @68 }
            *(uint*)(attr + 0) = Libc.BPF_PROG_TYPE_CGROUP_DEVICE;
            *(uint*)(attr + 4) = (uint)(instructions.Length / 8);
            *(ulong*)(attr + 8) = (ulong)insns;
            *(ulong*)(attr + 16) = (ulong)lic;
            *(uint*)(attr + 24) = 1;
            *(uint*)(attr + 28) = VerifierLogSize;
            *(ulong*)(attr + 32) = (ulong)logBuffer;
            *(uint*)(attr + 68) = Libc.BPF_CGROUP_DEVICE;
            var fd = Libc.syscall_bpf(Libc.SYS_bpf, Libc.BPF_PROG_LOAD, attr, Libc.BpfAttrSize);
            if (fd >= 0)
            {
                return (int)fd;
            }

            var errno = Marshal.GetLastPInvokeError();
            var text = Encoding.ASCII.GetString(log, 0, Math.Max(0, Array.IndexOf(log, (byte)0))).Trim().ReplaceLineEndings(" | ");
            throw new KernelCallException("bpf", "BPF_PROG_LOAD of a cgroup device program" + (text.Length > 0 ? ", verifier: " + text : string.Empty), errno);
        }
    }

    public unsafe void AttachCgroupDeviceProgram(string cgroupDirectory, int programDescriptor)
    {
        var cgroupFd = Libc.OpenPath(cgroupDirectory, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC);
        if (cgroupFd < 0)
        {
            throw new KernelCallException("open", cgroupDirectory, Marshal.GetLastPInvokeError());
        }

        try
        {
            var attr = stackalloc byte[Libc.BpfAttrSize];
            new Span<byte>(attr, Libc.BpfAttrSize).Clear();

            // struct { u32 target_fd; u32 attach_bpf_fd; u32 attach_type; u32 attach_flags; ... }
            *(uint*)(attr + 0) = (uint)cgroupFd;
            *(uint*)(attr + 4) = (uint)programDescriptor;
            *(uint*)(attr + 8) = Libc.BPF_CGROUP_DEVICE;
            if (Libc.syscall_bpf(Libc.SYS_bpf, Libc.BPF_PROG_ATTACH, attr, Libc.BpfAttrSize) != 0)
            {
                throw new KernelCallException("bpf", "BPF_PROG_ATTACH of a device program to " + cgroupDirectory, Marshal.GetLastPInvokeError());
            }
        }
        finally
        {
            _ = Libc.close(cgroupFd);
        }
    }

    public unsafe DeviceNode? StatDeviceNode(string path)
    {
        var buffer = stackalloc byte[Libc.StatxSize];
        if (Libc.statx(Libc.AT_FDCWD, path, 0, Libc.STATX_TYPE_MODE, buffer) != 0)
        {
            throw new KernelCallException("statx", path, Marshal.GetLastPInvokeError());
        }

        // struct statx: stx_mode u16 at 28, stx_rdev_major u32 at 128, stx_rdev_minor u32 at 132.
        var mode = *(ushort*)(buffer + 28);
        var type = (mode & 0xf000) switch
        {
            0x2000 => 'c',
            0x6000 => 'b',
            _ => '\0',
        };
        return type == '\0' ? null : new DeviceNode(type, *(uint*)(buffer + 128), *(uint*)(buffer + 132), (uint)(mode & 0xfff));
    }
}
