using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace ClusterKit.Worker.Host;

public sealed partial class LinuxSystemCalls
{
    private const uint FileTypeMask = 0xF000;

    public unsafe FileStatus GetFileStatus(string path)
    {
        var buffer = stackalloc byte[Libc.StatxBufferSize];
        if (Libc.statx(Libc.AtFdCwd, path, Libc.AtSymlinkNoFollow, Libc.StatxBasicStats, buffer) != 0)
        {
            throw new KernelCallException("statx", path, Marshal.GetLastPInvokeError());
        }

        // struct statx is the same on every architecture, which is why it is used instead of struct stat.
        var span = new ReadOnlySpan<byte>(buffer, Libc.StatxBufferSize);
        var mode = BinaryPrimitives.ReadUInt16LittleEndian(span[28..]);
        var mtimeSeconds = BinaryPrimitives.ReadInt64LittleEndian(span[112..]);
        var mtimeNanos = BinaryPrimitives.ReadUInt32LittleEndian(span[120..]);
        return new FileStatus(
            Type: TypeOf(mode),
            Permissions: (UnixFileMode)(mode & 0xFFF),
            Uid: (int)BinaryPrimitives.ReadUInt32LittleEndian(span[20..]),
            Gid: (int)BinaryPrimitives.ReadUInt32LittleEndian(span[24..]),
            Size: (long)BinaryPrimitives.ReadUInt64LittleEndian(span[40..]),
            ModificationTime: DateTimeOffset.FromUnixTimeSeconds(mtimeSeconds).AddTicks(mtimeNanos / 100),
            DeviceMajor: (int)BinaryPrimitives.ReadUInt32LittleEndian(span[128..]),
            DeviceMinor: (int)BinaryPrimitives.ReadUInt32LittleEndian(span[132..]),
            Inode: BinaryPrimitives.ReadUInt64LittleEndian(span[32..]),
            Device: ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(span[136..]) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(span[140..]),
            LinkCount: (int)BinaryPrimitives.ReadUInt32LittleEndian(span[16..]));
    }

    public void MakeNode(string path, FileNodeType type, UnixFileMode permissions, int major, int minor)
    {
        uint typeBits = type switch
        {
            FileNodeType.CharacterDevice => 0x2000,
            FileNodeType.BlockDevice => 0x6000,
            FileNodeType.Fifo => 0x1000,
            _ => throw new ArgumentException($"mknod cannot create a {type}; allowed: CharacterDevice, BlockDevice, Fifo", nameof(type)),
        };
        if (Libc.mknod(path, typeBits | ((uint)permissions & 0xFFF), MakeDevice((uint)major, (uint)minor)) != 0)
        {
            throw new KernelCallException("mknod", $"{path} {type} {major}:{minor}", Marshal.GetLastPInvokeError());
        }
    }

    public void CreateHardLink(string existingPath, string newPath)
    {
        if (Libc.link(existingPath, newPath) != 0)
        {
            throw new KernelCallException("link", $"{existingPath} -> {newPath}", Marshal.GetLastPInvokeError());
        }
    }

    public void ChangeOwner(string path, int uid, int gid)
    {
        if (Libc.lchown(path, (uint)uid, (uint)gid) != 0)
        {
            throw new KernelCallException("lchown", $"{path} {uid}:{gid}", Marshal.GetLastPInvokeError());
        }
    }

    public unsafe void SetModificationTime(string path, DateTimeOffset time)
    {
        var seconds = time.ToUnixTimeSeconds();
        var nanos = (time.UtcTicks % TimeSpan.TicksPerSecond) * 100;
        var times = stackalloc long[4] { seconds, nanos, seconds, nanos };
        if (Libc.utimensat(Libc.AtFdCwd, path, times, Libc.AtSymlinkNoFollow) != 0)
        {
            throw new KernelCallException("utimensat", path, Marshal.GetLastPInvokeError());
        }
    }

    public unsafe void SetExtendedAttribute(string path, string name, byte[] value)
    {
        fixed (byte* pointer = value)
        {
            if (Libc.lsetxattr(path, name, pointer, (nuint)value.Length, 0) != 0)
            {
                throw new KernelCallException("lsetxattr", $"{path} {name}", Marshal.GetLastPInvokeError());
            }
        }
    }

    public unsafe byte[]? GetExtendedAttribute(string path, string name)
    {
        while (true)
        {
            var size = Libc.lgetxattr(path, name, null, 0);
            if (size < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                return errno is Libc.ENODATA or Libc.ENOTSUP ? null : throw new KernelCallException("lgetxattr", $"{path} {name}", errno);
            }

            var value = new byte[size];
            fixed (byte* pointer = value)
            {
                var read = Libc.lgetxattr(path, name, pointer, (nuint)value.Length);
                if (read >= 0)
                {
                    return value[..(int)read];
                }

                // The value grew between the two calls: ask again.
                var errno = Marshal.GetLastPInvokeError();
                if (errno != Libc.ERANGE)
                {
                    throw new KernelCallException("lgetxattr", $"{path} {name}", errno);
                }
            }
        }
    }

    public unsafe IReadOnlyList<string> ListExtendedAttributes(string path)
    {
        while (true)
        {
            var size = Libc.llistxattr(path, null, 0);
            if (size < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                return errno == Libc.ENOTSUP ? [] : throw new KernelCallException("llistxattr", path, errno);
            }

            if (size == 0)
            {
                return [];
            }

            var list = new byte[size];
            fixed (byte* pointer = list)
            {
                var read = Libc.llistxattr(path, pointer, (nuint)list.Length);
                if (read >= 0)
                {
                    return Encoding.UTF8.GetString(list, 0, (int)read).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno != Libc.ERANGE)
                {
                    throw new KernelCallException("llistxattr", path, errno);
                }
            }
        }
    }

    private static FileNodeType TypeOf(uint mode) => (mode & FileTypeMask) switch
    {
        0x8000 => FileNodeType.RegularFile,
        0x4000 => FileNodeType.Directory,
        0xA000 => FileNodeType.SymbolicLink,
        0x2000 => FileNodeType.CharacterDevice,
        0x6000 => FileNodeType.BlockDevice,
        0x1000 => FileNodeType.Fifo,
        0xC000 => FileNodeType.Socket,
        _ => throw new KernelCallException($"statx: unknown file type bits 0x{mode & FileTypeMask:x}"),
    };

    // glibc's makedev: the 12 low bits of major and 8 low bits of minor sit in the low word.
    private static ulong MakeDevice(uint major, uint minor) =>
        ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8) | ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);
}
