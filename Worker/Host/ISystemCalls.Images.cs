namespace ClusterKit.Worker.Host;

/// <summary>File-system calls the image store needs beyond what System.IO offers: ownership,
/// device nodes, hard links, extended attributes and timestamps that do not follow symlinks.</summary>
public partial interface ISystemCalls
{
    /// <summary>statx(2) without following a final symlink.</summary>
    FileStatus GetFileStatus(string path);

    /// <summary>mknod(2) for character and block devices and fifos.</summary>
    void MakeNode(string path, FileNodeType type, UnixFileMode permissions, int major, int minor);

    /// <summary>link(2).</summary>
    void CreateHardLink(string existingPath, string newPath);

    /// <summary>lchown(2).</summary>
    void ChangeOwner(string path, int uid, int gid);

    /// <summary>utimensat(2) with AT_SYMLINK_NOFOLLOW; sets access and modification time.</summary>
    void SetModificationTime(string path, DateTimeOffset time);

    /// <summary>lsetxattr(2).</summary>
    void SetExtendedAttribute(string path, string name, byte[] value);

    /// <summary>lgetxattr(2); null when the attribute is absent or the file system has none.</summary>
    byte[]? GetExtendedAttribute(string path, string name);

    /// <summary>llistxattr(2); empty when the file system does not support extended attributes.</summary>
    IReadOnlyList<string> ListExtendedAttributes(string path);
}

/// <summary>The kind of a file-system node, as in the S_IFMT bits of st_mode.</summary>
public enum FileNodeType
{
    RegularFile,
    Directory,
    SymbolicLink,
    CharacterDevice,
    BlockDevice,
    Fifo,
    Socket,
}

/// <summary>What lstat tells about one node.</summary>
public sealed record FileStatus(
    FileNodeType Type,
    UnixFileMode Permissions,
    int Uid,
    int Gid,
    long Size,
    DateTimeOffset ModificationTime,
    int DeviceMajor,
    int DeviceMinor,
    ulong Inode,
    ulong Device,
    int LinkCount);
