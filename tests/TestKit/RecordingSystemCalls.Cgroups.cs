namespace ClusterKit.TestKit;

public sealed partial class RecordingSystemCalls
{
    public void RemoveCgroupDirectory(string path) => Record($"rmdir {path}");
}
