namespace ClusterKit.TestKit;

/// <summary>Spawning: pipes get descriptors from 100 on, spawned processes pids from 5000 on; nothing runs.</summary>
public sealed partial class RecordingSystemCalls
{
    private int _nextPid = 5000;

    public (int Read, int Write) CreatePipe()
    {
        var read = Interlocked.Increment(ref _nextDescriptor);
        var write = Interlocked.Increment(ref _nextDescriptor);
        Record($"pipe2 {read} {write}");
        return (read, write);
    }

    public int Spawn(string path, IReadOnlyList<string> arguments, int stdin, int stdout)
    {
        Record($"posix_spawn {path} {string.Join(' ', arguments)} <{stdin} >{stdout}");
        return Interlocked.Increment(ref _nextPid);
    }

    public bool ReapChild(int pidfd)
    {
        Record($"waitid {pidfd}");
        return false;
    }
}
