namespace ClusterKit.Worker.Cgroups;

/// <summary>A container's cgroup directory in one hierarchy.</summary>
internal sealed record CgroupDirectory(string Path, CgroupHierarchy Hierarchy)
{
    public string ProcsFile => System.IO.Path.Combine(Path, "cgroup.procs");

    public bool Exists => Directory.Exists(Path);
}
