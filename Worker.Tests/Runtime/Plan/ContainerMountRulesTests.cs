namespace ClusterKit.Worker.Runtime.Tests.Plan;

public sealed class ContainerMountRulesTests
{
    [Theory]
    [InlineData("/", "the target / is the container's root")]
    [InlineData("/proc", "the target /proc is in the container's /proc")]
    [InlineData("/proc/sys", "the target /proc/sys is in the container's /proc")]
    [InlineData("/sys", "the target /sys is in the container's /sys")]
    [InlineData("/sys/fs/cgroup", "the target /sys/fs/cgroup is in the container's /sys")]
    [InlineData("/srv/../proc", "the target /srv/../proc is in the container's /proc")]
    [InlineData("//proc/", "the target //proc/ is in the container's /proc")]
    [InlineData("/..", "the target /.. is the container's root")]
    public void Binds_over_root_proc_or_sys_are_refused_naming_the_mount(string target, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => ContainerMountRules.Validate([new BindMount("/srv", target)], [], []));

        Assert.Equal($"bind mount \"/srv:{target}\": {expected}; mounts over /, /proc and /sys are refused", error.Message);
    }

    [Theory]
    [InlineData("/proc/cpuinfo")]
    [InlineData("/proc/meminfo")]
    [InlineData("/procfs")]
    [InlineData("/system")]
    [InlineData("/data/proc")]
    public void Lxcfs_proc_files_and_look_alike_names_are_allowed(string target) =>
        ContainerMountRules.Validate([new BindMount("/srv", target)], [], []);

    [Fact]
    public void Tmpfs_and_devices_follow_the_same_targets_rule()
    {
        Assert.StartsWith("tmpfs \"/proc\": the target /proc is in the container's /proc",
            Assert.Throws<ArgumentException>(() => ContainerMountRules.Validate([], [new TmpfsMount("/proc")], [])).Message);
        Assert.StartsWith("device \"/dev/kvm:/sys/kvm:rwm\": the target /sys/kvm is in the container's /sys",
            Assert.Throws<ArgumentException>(() => ContainerMountRules.Validate([], [], [new DeviceMapping("/dev/kvm", "/sys/kvm")])).Message);
    }

    [Fact]
    public void Relative_paths_bad_tmpfs_options_and_bad_permissions_are_refused()
    {
        Assert.Equal("bind mount \"data:/data\": the source \"data\" must be an absolute path",
            Assert.Throws<ArgumentException>(() => ContainerMountRules.Validate([new BindMount("data", "/data")], [], [])).Message);
        Assert.Equal("tmpfs \"run\": the target \"run\" must be an absolute path",
            Assert.Throws<ArgumentException>(() => ContainerMountRules.Validate([], [new TmpfsMount("run")], [])).Message);
        Assert.StartsWith("tmpfs option \"bogus\"",
            Assert.Throws<ArgumentException>(() => ContainerMountRules.Validate([], [new TmpfsMount("/run", "bogus")], [])).Message);
        Assert.Equal("device \"dev/kvm:/dev/kvm:rwm\": the host path \"dev/kvm\" must be an absolute path",
            Assert.Throws<ArgumentException>(() => ContainerMountRules.Validate([], [], [new DeviceMapping("dev/kvm", "/dev/kvm")])).Message);
        Assert.Equal("device \"/dev/kvm:/dev/kvm:rwx\": permissions \"rwx\" are invalid; use a non-empty combination of r, w and m",
            Assert.Throws<ArgumentException>(() => ContainerMountRules.Validate([], [], [new DeviceMapping("/dev/kvm", "/dev/kvm", "rwx")])).Message);
    }
}
