namespace ClusterKit.Worker.Cgroups.Detection;

/// <summary>Reads the host's cgroup layout from procfs and the v2 root (the I/O around the pure parsers).</summary>
internal static class CgroupLayoutDetector
{
    public static CgroupLayout Detect(string mountInfoPath = "/proc/self/mountinfo", string selfCgroupPath = "/proc/self/cgroup")
    {
        var mounts = MountInfoParser.Parse(File.ReadAllText(mountInfoPath));
        var v2Controllers = new HashSet<string>(StringComparer.Ordinal);
        if (mounts.V2Root is not null)
        {
            var controllersFile = Path.Combine(mounts.V2Root, "cgroup.controllers");
            if (File.Exists(controllersFile))
            {
                v2Controllers.UnionWith(ParseControllerList(File.ReadAllText(controllersFile)));
            }
        }

        var self = File.Exists(selfCgroupPath) ? ProcCgroupParser.Parse(File.ReadAllText(selfCgroupPath)) : CgroupMembership.Unknown;
        return new CgroupLayout(mounts.V1Mounts, mounts.V2Root) { V2Controllers = v2Controllers, Self = self };
    }

    /// <summary>cgroup.controllers and cgroup.subtree_control: controller names separated by spaces.</summary>
    public static IEnumerable<string> ParseControllerList(string text) =>
        text.Split([' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries);
}
