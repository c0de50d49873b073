namespace ClusterKit.Worker.Host;

public partial interface ISystemCalls
{
    /// <summary>rmdir(2) of a cgroup directory (its interface files go with it; the kernel refuses while processes remain).</summary>
    void RemoveCgroupDirectory(string path);
}
