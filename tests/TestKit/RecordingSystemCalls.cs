using ClusterKit.Worker.Host;

namespace ClusterKit.TestKit;

/// <summary>A fake kernel that records every call, in order, for step tests.</summary>
public sealed partial class RecordingSystemCalls : ISystemCalls
{
    private readonly List<string> _calls = [];

    public IReadOnlyList<string> Calls => _calls;

    public void Mount(string source, string target, string? fileSystemType, MountFlags flags, string? data) =>
        Record($"mount {source} {target} {fileSystemType} {flags} {data}");

    public void Unmount(string target, UnmountFlags flags) => Record($"umount {target} {flags}");

    public void Kill(int pid, int signal) => Record($"kill {pid} {signal}");

    public bool ProcessExists(int pid)
    {
        Record($"exists {pid}");
        return false;
    }

    private void Record(string call)
    {
        lock (_calls)
        {
            _calls.Add(call);
        }
    }
}
