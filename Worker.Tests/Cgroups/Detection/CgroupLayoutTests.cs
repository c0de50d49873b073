using ClusterKit.TestKit;
using ClusterKit.Worker.Cgroups.Detection;

namespace ClusterKit.Worker.Cgroups.Tests.Detection;

public sealed class CgroupLayoutTests
{
    [Fact]
    public void V1_wins_then_v2_when_the_root_offers_the_controller()
    {
        var layout = new CgroupLayout(new Dictionary<string, string> { ["memory"] = "/sys/fs/cgroup/memory" }, "/sys/fs/cgroup/unified")
        {
            V2Controllers = new HashSet<string> { "memory", "pids" },
        };

        Assert.Equal(CgroupVersion.V1, layout.Locate("memory"));
        Assert.Equal(CgroupVersion.V2, layout.Locate("pids"));
        Assert.Null(layout.Locate("cpu"));
        Assert.False(layout.IsPureV2);
    }

    [Fact]
    public void Detector_reads_the_v2_root_controllers_and_the_own_cgroup()
    {
        using var temp = new TempDirectory();
        var root = CgroupFiles.V2(temp.Combine("cgroup"));
        CgroupFiles.Write(root, "cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
        CgroupFiles.Write(temp.Path, "mountinfo", $"30 25 0:26 / {root} rw - cgroup2 cgroup2 rw,nsdelegate\n");
        CgroupFiles.Write(temp.Path, "self-cgroup", "0::/system.slice/ck.service\n");

        var layout = CgroupLayoutDetector.Detect(temp.Combine("mountinfo"), temp.Combine("self-cgroup"));

        Assert.True(layout.IsPureV2);
        Assert.Equal(root, layout.V2Root);
        Assert.Equal(["cpu", "cpuset", "hugetlb", "io", "memory", "misc", "pids", "rdma"], layout.V2Controllers.Order(StringComparer.Ordinal));
        Assert.Equal("/system.slice/ck.service", layout.Self.V2Path);
        Assert.Equal(CgroupVersion.V2, layout.Locate("memory"));
    }

    [Fact]
    public void This_machine_offers_memory_cpu_and_pids_somewhere()
    {
        var layout = CgroupLayoutDetector.Detect();

        foreach (var controller in new[] { "memory", "cpu", "pids" })
        {
            Assert.True(layout.Locate(controller) is not null, $"{controller} is neither on v1 nor in the v2 root");
        }

        Assert.True(layout.Self.V1Paths.Count > 0 || layout.Self.V2Path is not null);
    }
}
