using ClusterKit.Worker.Cgroups.Detection;

namespace ClusterKit.Worker.Cgroups.Tests.Detection;

public sealed class MountInfoParserTests
{
    // This machine: v1 controllers each on their own hierarchy, an empty v2 tree at /sys/fs/cgroup/unified.
    private const string Hybrid = """
        22 1 0:21 / / rw,relatime - ext4 /dev/vda rw
        23 22 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
        34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
        39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """;

    // A systemd host on cgroup v2 only (Debian 12, Ubuntu 22.04+), with optional fields before the separator.
    private const string PureV2 = """
        24 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro
        25 24 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw
        30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
        31 25 0:27 / /sys/fs/bpf rw,nosuid,nodev,noexec,relatime shared:5 - bpf bpf rw,mode=700
        """;

    // An older systemd host on v1 only, cpu and cpuacct co-mounted, net_cls/net_prio too.
    private const string PureV1 = """
        25 20 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
        27 25 0:24 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,xattr,name=systemd
        30 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpu,cpuacct
        31 25 0:28 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory
        32 25 0:29 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,pids
        33 25 0:30 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,net_cls,net_prio
        """;

    [Fact]
    public void Hybrid_puts_each_v1_controller_on_its_mount_and_finds_the_unified_tree()
    {
        var mounts = MountInfoParser.Parse(Hybrid);

        Assert.Equal("/sys/fs/cgroup/memory", mounts.V1Mounts["memory"]);
        Assert.Equal("/sys/fs/cgroup/cpu", mounts.V1Mounts["cpu"]);
        Assert.Equal("/sys/fs/cgroup/cpuacct", mounts.V1Mounts["cpuacct"]);
        Assert.Equal("/sys/fs/cgroup/pids", mounts.V1Mounts["pids"]);
        Assert.Equal("/sys/fs/cgroup/cpuset", mounts.V1Mounts["cpuset"]);
        Assert.Equal("/sys/fs/cgroup/unified", mounts.V2Root);
        Assert.DoesNotContain("name=systemd", mounts.V1Mounts.Keys);
        Assert.DoesNotContain("rw", mounts.V1Mounts.Keys);
        Assert.Equal(6, mounts.V1Mounts.Count);
    }

    [Fact]
    public void Pure_v2_has_no_v1_mounts()
    {
        var mounts = MountInfoParser.Parse(PureV2);

        Assert.Empty(mounts.V1Mounts);
        Assert.Equal("/sys/fs/cgroup", mounts.V2Root);
    }

    [Fact]
    public void Pure_v1_maps_co_mounted_controllers_to_the_same_hierarchy()
    {
        var mounts = MountInfoParser.Parse(PureV1);

        Assert.Null(mounts.V2Root);
        Assert.Equal("/sys/fs/cgroup/cpu,cpuacct", mounts.V1Mounts["cpu"]);
        Assert.Equal("/sys/fs/cgroup/cpu,cpuacct", mounts.V1Mounts["cpuacct"]);
        Assert.Equal("/sys/fs/cgroup/net_cls,net_prio", mounts.V1Mounts["net_prio"]);
        Assert.Equal("/sys/fs/cgroup/memory", mounts.V1Mounts["memory"]);
        Assert.False(new CgroupLayout(mounts.V1Mounts, mounts.V2Root).IsPureV2);
    }

    [Fact]
    public void Escaped_mount_points_are_unescaped()
    {
        var mounts = MountInfoParser.Parse("50 31 0:40 / /mnt/my\\040cgroups rw,relatime - cgroup cgroup rw,memory\n");

        Assert.Equal("/mnt/my cgroups", mounts.V1Mounts["memory"]);
    }

    [Fact]
    public void First_cgroup2_mount_wins_over_a_later_bind()
    {
        var mounts = MountInfoParser.Parse(
            "30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n90 80 0:26 / /var/lib/other/cgroup rw - cgroup2 cgroup2 rw\n");

        Assert.Equal("/sys/fs/cgroup", mounts.V2Root);
    }

    [Fact]
    public void Malformed_line_names_the_line()
    {
        var error = Assert.Throws<FormatException>(() => MountInfoParser.Parse("31 23 0:28 / /sys/fs/cgroup rw,relatime tmpfs\n"));

        Assert.Contains("'31 23 0:28 / /sys/fs/cgroup rw,relatime tmpfs'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Real_mountinfo_of_this_process_parses()
    {
        var mounts = MountInfoParser.Parse(File.ReadAllText("/proc/self/mountinfo"));

        Assert.True(mounts.V1Mounts.Count > 0 || mounts.V2Root is not null, "no cgroup hierarchy found on this machine");
    }
}
