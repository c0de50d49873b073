using ClusterKit.TestKit;
using ClusterKit.Worker.Cgroups.V1;
using ClusterKit.Worker.Cgroups.V2;

namespace ClusterKit.Worker.Cgroups.Tests;

public sealed class CgroupPlannerTests
{
    [Fact]
    public void Hybrid_uses_one_v1_hierarchy_per_controller_and_no_v2()
    {
        var layout = new CgroupLayout(
            new Dictionary<string, string>
            {
                ["memory"] = "/sys/fs/cgroup/memory",
                ["cpu"] = "/sys/fs/cgroup/cpu",
                ["cpuacct"] = "/sys/fs/cgroup/cpuacct",
                ["pids"] = "/sys/fs/cgroup/pids",
                ["cpuset"] = "/sys/fs/cgroup/cpuset",
                ["devices"] = "/sys/fs/cgroup/devices",
            },
            "/sys/fs/cgroup/unified");

        var plan = CgroupPlanner.Plan(layout, new RecordingSystemCalls());

        Assert.Equal(["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpuacct", "/sys/fs/cgroup/devices", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids"], plan.Select(h => h.MountPoint));
        Assert.All(plan, h => Assert.Equal(CgroupVersion.V1, h.Version));
        Assert.IsType<MemoryV1>(Assert.Single(plan.Single(h => h.MountPoint.EndsWith("memory", StringComparison.Ordinal)).Controllers));
        Assert.IsType<CpuacctV1>(Assert.Single(plan.Single(h => h.MountPoint.EndsWith("cpuacct", StringComparison.Ordinal)).Controllers));
    }

    [Fact]
    public void Pure_v2_puts_everything_in_one_v2_cgroup_with_cpu_stat_for_usage()
    {
        var layout = new CgroupLayout(new Dictionary<string, string>(), "/sys/fs/cgroup")
        {
            V2Controllers = new HashSet<string> { "cpuset", "cpu", "io", "memory", "pids" },
        };

        var hierarchy = Assert.Single(CgroupPlanner.Plan(layout, new RecordingSystemCalls()));

        Assert.Equal(CgroupVersion.V2, hierarchy.Version);
        Assert.Collection(
            hierarchy.Controllers,
            c => Assert.IsType<MemoryV2>(c),
            c => Assert.IsType<CpuV2>(c),
            c => Assert.IsType<PidsV2>(c),
            c => Assert.IsType<CpuStatV2>(c),
            c => Assert.IsType<DevicesV2>(c));
        Assert.Equal(["memory", "cpu", "pids"], hierarchy.LimitingControllerNames);
    }

    [Fact]
    public void Co_mounted_v1_controllers_share_one_directory()
    {
        var layout = new CgroupLayout(
            new Dictionary<string, string>
            {
                ["memory"] = "/sys/fs/cgroup/memory",
                ["cpu"] = "/sys/fs/cgroup/cpu,cpuacct",
                ["cpuacct"] = "/sys/fs/cgroup/cpu,cpuacct",
                ["pids"] = "/sys/fs/cgroup/pids",
            },
            null);

        var plan = CgroupPlanner.Plan(layout, new RecordingSystemCalls());

        Assert.Equal(3, plan.Count);
        var cpu = plan.Single(h => h.MountPoint == "/sys/fs/cgroup/cpu,cpuacct");
        Assert.Collection(cpu.Controllers, c => Assert.IsType<CpuV1>(c), c => Assert.IsType<CpuacctV1>(c));
    }

    [Fact]
    public void Mixed_host_uses_v2_for_what_v1_lacks()
    {
        var layout = new CgroupLayout(new Dictionary<string, string> { ["memory"] = "/sys/fs/cgroup/memory" }, "/sys/fs/cgroup/unified")
        {
            V2Controllers = new HashSet<string> { "pids", "cpu" },
        };

        var plan = CgroupPlanner.Plan(layout, new RecordingSystemCalls());

        Assert.Equal(2, plan.Count);
        var v2 = plan.Single(h => h.Version == CgroupVersion.V2);
        Assert.Equal(["cpu", "pids"], v2.LimitingControllerNames);
        Assert.Contains(v2.Controllers, c => c is CpuStatV2);
    }

    [Fact]
    public void Devices_go_to_the_v1_devices_hierarchy_when_mounted_and_no_v2_cgroup_is_needed_for_them()
    {
        var layout = new CgroupLayout(
            new Dictionary<string, string> { ["memory"] = "/sys/fs/cgroup/memory", ["cpuacct"] = "/sys/fs/cgroup/cpuacct", ["devices"] = "/sys/fs/cgroup/devices" },
            "/sys/fs/cgroup/unified");

        var plan = CgroupPlanner.Plan(layout, new RecordingSystemCalls());

        Assert.All(plan, h => Assert.Equal(CgroupVersion.V1, h.Version));
        Assert.IsType<DevicesV1>(Assert.Single(plan.Single(h => h.MountPoint == "/sys/fs/cgroup/devices").Controllers));
    }

    [Fact]
    public void Without_a_v1_devices_hierarchy_the_v2_cgroup_gets_the_device_program_even_with_no_v2_controllers()
    {
        var layout = new CgroupLayout(
            new Dictionary<string, string> { ["memory"] = "/sys/fs/cgroup/memory", ["cpuacct"] = "/sys/fs/cgroup/cpuacct" },
            "/sys/fs/cgroup/unified");

        var plan = CgroupPlanner.Plan(layout, new RecordingSystemCalls());

        var v2 = plan.Single(h => h.Version == CgroupVersion.V2);
        Assert.Equal("/sys/fs/cgroup/unified", v2.MountPoint);
        Assert.IsType<DevicesV2>(Assert.Single(v2.Controllers));
        Assert.Empty(v2.LimitingControllerNames);
    }
}
