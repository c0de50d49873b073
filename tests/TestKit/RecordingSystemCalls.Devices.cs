using ClusterKit.Worker.Host;

namespace ClusterKit.TestKit;

public sealed partial class RecordingSystemCalls
{
    private int _nextProgram = 1000;

    public int LoadCgroupDeviceProgram(ReadOnlySpan<byte> instructions, string license)
    {
        Record($"bpf-load {instructions.Length / 8} {license}");
        return Interlocked.Increment(ref _nextProgram);
    }

    public void AttachCgroupDeviceProgram(string cgroupDirectory, int programDescriptor) =>
        Record($"bpf-attach {cgroupDirectory} {programDescriptor}");

    public DeviceNode? StatDeviceNode(string path)
    {
        Record($"statx {path}");
        return null;
    }
}
