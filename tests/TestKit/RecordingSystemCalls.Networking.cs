namespace ClusterKit.TestKit;

public sealed partial class RecordingSystemCalls
{
    public void EnterNetworkNamespace(string path) => Record($"setns {path} net");
}
