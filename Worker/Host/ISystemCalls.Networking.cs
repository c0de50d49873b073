namespace ClusterKit.Worker.Host;

public partial interface ISystemCalls
{
    /// <summary>
    /// setns(2) into the network namespace at <paramref name="path"/> (/proc/PID/ns/net or a bind
    /// mount of it). Network namespaces are per thread, so this moves the calling thread only.
    /// </summary>
    void EnterNetworkNamespace(string path);
}
