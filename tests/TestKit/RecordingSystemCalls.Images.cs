using ClusterKit.Worker.Host;

namespace ClusterKit.TestKit;

/// <summary>The image store's calls: recorded, with extended attributes and statuses kept in memory
/// so that a step that sets an attribute and later reads it sees its own write.</summary>
public sealed partial class RecordingSystemCalls
{
    private readonly Dictionary<(string Path, string Name), byte[]> _extendedAttributes = [];

    /// <summary>What <see cref="GetFileStatus"/> answers, by path; unknown paths fail with ENOENT.</summary>
    public Dictionary<string, FileStatus> FileStatuses { get; } = [];

    public FileStatus GetFileStatus(string path)
    {
        Record($"stat {path}");
        return FileStatuses.TryGetValue(path, out var status) ? status : throw new KernelCallException("statx", path, 2);
    }

    public void MakeNode(string path, FileNodeType type, UnixFileMode permissions, int major, int minor) =>
        Record($"mknod {path} {type} {major}:{minor}");

    public void CreateHardLink(string existingPath, string newPath) => Record($"link {existingPath} {newPath}");

    public void ChangeOwner(string path, int uid, int gid) => Record($"lchown {path} {uid}:{gid}");

    public void SetModificationTime(string path, DateTimeOffset time) => Record($"utimensat {path} {time.ToUnixTimeSeconds()}");

    public void SetExtendedAttribute(string path, string name, byte[] value)
    {
        Record($"setxattr {path} {name}={System.Text.Encoding.UTF8.GetString(value)}");
        lock (_extendedAttributes)
        {
            _extendedAttributes[(path, name)] = value;
        }
    }

    public byte[]? GetExtendedAttribute(string path, string name)
    {
        lock (_extendedAttributes)
        {
            return _extendedAttributes.TryGetValue((path, name), out var value) ? value : null;
        }
    }

    public IReadOnlyList<string> ListExtendedAttributes(string path)
    {
        lock (_extendedAttributes)
        {
            return [.. _extendedAttributes.Keys.Where(k => k.Path == path).Select(k => k.Name)];
        }
    }
}
