using ClusterKit.Worker.Runtime.Plan;
using ClusterKit.Worker.Runtime.Security;
using ClusterKit.Worker.Runtime.Users;

namespace ClusterKit.Worker.Runtime.Tests.Plan;

public sealed class LaunchPlanBuilderTests
{
    private static readonly ContainerPaths Paths = new("/var/lib/ck/c/abc");

    private static ContainerLaunch Launch() => new()
    {
        Id = "0123456789abcdef",
        ContainerDirectory = Paths.Directory,
        RootfsPath = "/rootfs",
        Args = ["nginx", "-g", "daemon off;"],
    };

    private static LaunchPlan Build(ContainerLaunch launch, ResolvedUser? user = null) =>
        LaunchPlanBuilder.Build(launch, Paths, "/rootfs", user ?? ResolvedUser.Root, ["/sys/fs/cgroup/memory/ck/x/cgroup.procs"], new Dictionary<string, string> { ["id"] = launch.Id });

    [Fact]
    public void Default_mounts_come_first_in_dockers_order()
    {
        var targets = Build(Launch()).Steps.OfType<PlanMount>().Select(m => m.Target).ToList();

        Assert.Equal(["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/etc/hostname"], targets);
    }

    [Fact]
    public void Dev_gets_the_standard_nodes_and_links_between_its_tmpfs_and_devpts()
    {
        var steps = Build(Launch()).Steps;
        var devices = steps.OfType<PlanDevice>().ToDictionary(d => d.Target);

        Assert.Equal(new PlanDevice("/dev/null", 'c', 1, 3, 438), devices["/dev/null"]);
        Assert.Equal(["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"], devices.Keys);
        Assert.Contains(new PlanSymlink("pts/ptmx", "/dev/ptmx"), steps);
        var devIndex = steps.ToList().FindIndex(s => s.Target == "/dev");
        Assert.All(devices.Values, d => Assert.True(steps.ToList().IndexOf(d) > devIndex));
        var pts = steps.OfType<PlanMount>().Single(m => m.Target == "/dev/pts");
        Assert.Contains("newinstance", pts.Data);
        Assert.Contains("ptmxmode=0666", pts.Data);
    }

    [Fact]
    public void Sys_is_read_only_and_proc_has_no_suid_exec_or_devices()
    {
        var mounts = Build(Launch()).Steps.OfType<PlanMount>().ToDictionary(m => m.Target);

        Assert.Equal(LinuxMount.ReadOnly, mounts["/sys"].Flags & LinuxMount.ReadOnly);
        Assert.Equal(LinuxMount.NoSuid | LinuxMount.NoExec | LinuxMount.NoDev, mounts["/proc"].Flags);
    }

    [Fact]
    public void Masked_and_read_only_paths_are_dockers()
    {
        var plan = Build(Launch());

        Assert.Contains("/proc/kcore", plan.Masked);
        Assert.Contains("/proc/keys", plan.Masked);
        Assert.Contains("/sys/firmware", plan.Masked);
        Assert.Equal(["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"], plan.ReadOnlyPaths);
    }

    [Fact]
    public void Environment_gets_path_hostname_and_home_defaults_that_the_launch_can_override()
    {
        var plan = Build(Launch() with { Env = ["PATH=/app/bin", "A=1", "A=2"], Tty = true });

        Assert.Equal(["PATH=/app/bin", "HOSTNAME=0123456789ab", "TERM=xterm", "A=2", "HOME=/root"], plan.Env);
        Assert.Equal("0123456789ab", plan.Hostname);
    }

    [Fact]
    public void Security_follows_the_launch_and_the_user()
    {
        var plan = Build(Launch() with { CapDrop = ["ALL"], CapAdd = ["NET_BIND_SERVICE"], NoNewPrivileges = true }, new ResolvedUser(33, 33, [50], "/var/www"));
        var unconfined = Build(Launch() with { SeccompUnconfined = true });

        Assert.Equal(new ProcessCapabilities(1UL << 10, 0, 0, 0, 0), plan.Capabilities);
        Assert.Equal((33u, 33u), (plan.Uid, plan.Gid));
        Assert.Equal([50u], plan.Groups);
        Assert.True(plan.NoNewPrivileges);
        Assert.NotNull(plan.Seccomp);
        Assert.Null(unconfined.Seccomp);
    }

    [Fact]
    public void Volumes_hosts_and_resolv_conf_are_bound_after_the_defaults()
    {
        var plan = Build(Launch() with
        {
            Binds = [new BindMount("/srv/data", "/data", ReadOnly: true)],
            Tmpfs = [new TmpfsMount("/run", "size=1m,exec")],
            HostsFile = "127.0.0.1 localhost\n",
            ResolvConf = "nameserver 10.0.0.2\n",
        });
        var mounts = plan.Steps.OfType<PlanMount>().ToList();

        Assert.Equal(new PlanMount(Paths.Hosts, "/etc/hosts", string.Empty, LinuxMount.Bind, string.Empty), mounts[^4]);
        Assert.Equal(Paths.ResolvConf, mounts[^3].Source);
        Assert.Equal(new PlanMount("/srv/data", "/data", string.Empty, LinuxMount.Bind | LinuxMount.Recursive | LinuxMount.ReadOnly, string.Empty), mounts[^2]);
        Assert.Equal(new PlanMount("tmpfs", "/run", "tmpfs", LinuxMount.NoSuid | LinuxMount.NoDev, "size=1m"), mounts[^1]);
    }

    [Theory]
    [InlineData("bad id!", "container id \"bad id!\" is invalid")]
    [InlineData("", "container id \"\" is invalid")]
    public void A_bad_id_is_refused(string id, string message) =>
        Assert.StartsWith(message, Assert.Throws<ArgumentException>(() => Build(Launch() with { Id = id })).Message);

    [Fact]
    public void Relative_paths_empty_args_and_bad_env_are_refused_with_the_value()
    {
        Assert.StartsWith("container 0123456789abcdef: bind mount \"/srv:data\": the target \"data\" must be an absolute path",
            Assert.Throws<ArgumentException>(() => Build(Launch() with { Binds = [new BindMount("/srv", "data")] })).Message);
        Assert.StartsWith("container 0123456789abcdef: Args is empty",
            Assert.Throws<ArgumentException>(() => Build(Launch() with { Args = [] })).Message);
        Assert.StartsWith("environment entry \"=x\" is invalid",
            Assert.Throws<ArgumentException>(() => Build(Launch() with { Env = ["=x"] })).Message);
        Assert.StartsWith("container 0123456789abcdef: log max-file is 0",
            Assert.Throws<ArgumentException>(() => Build(Launch() with { LogMaxFiles = 0 })).Message);
        Assert.StartsWith("container 0123456789abcdef: hostname \"-bad\" is invalid",
            Assert.Throws<ArgumentException>(() => Build(Launch() with { Hostname = "-bad" })).Message);
    }

    [Fact]
    public void The_container_gets_a_cgroup_namespace_and_its_given_devices_as_nodes()
    {
        var device = new ResolvedDevice(new DeviceMapping("/dev/kvm", "/dev/kvm", "rw"), new Host.DeviceNode('c', 10, 232, 438));

        var plan = LaunchPlanBuilder.Build(Launch(), Paths, "/rootfs", ResolvedUser.Root, [], new Dictionary<string, string>(), [device]);

        Assert.True(plan.CgroupNamespace);
        Assert.Contains(new PlanDevice("/dev/kvm", 'c', 10, 232, 438), plan.Steps);
        var devIndex = plan.Steps.ToList().FindIndex(s => s.Target == "/dev");
        Assert.True(plan.Steps.ToList().FindIndex(s => s.Target == "/dev/kvm") > devIndex);
    }

    [Fact]
    public void The_device_allow_list_is_dockers_without_wildcard_mknod_plus_given_devices_with_mknod()
    {
        var device = new ResolvedDevice(new DeviceMapping("/dev/kvm", "/dev/kvm", "rw"), new Host.DeviceNode('c', 10, 232, 438));

        var rules = DefaultContainerMounts.AllowedDevicesWith([device]).Select(r => r.ToString()).ToList();

        Assert.Equal(
            ["c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm", "c 10:232 rwm"],
            rules);
        Assert.DoesNotContain(rules, r => r.Contains("*:*", StringComparison.Ordinal));
    }

    [Fact]
    public void A_container_directory_too_long_for_the_attach_socket_is_refused()
    {
        var paths = new ContainerPaths("/" + new string('d', 100));

        var error = Assert.Throws<ArgumentException>(() => LaunchPlanBuilder.Validate(Launch(), paths));

        Assert.Contains("longer than 107 bytes", error.Message);
    }

    [Fact]
    public void Exec_keeps_the_containers_security_and_takes_its_own_command()
    {
        var container = Build(Launch() with { Env = ["A=1"] });

        var exec = LaunchPlanBuilder.BuildExec(container, 4242, new ExecOptions { Args = ["sh"], Env = ["A=2", "B=3"], Tty = true }, null);

        Assert.Equal(4242, exec.TargetPid);
        Assert.Equal(container.Capabilities, exec.Capabilities);
        Assert.Same(container.Seccomp, exec.Seccomp);
        Assert.Equal(container.CgroupProcs, exec.CgroupProcs);
        Assert.Equal(["sh"], exec.Args);
        Assert.Contains("A=2", exec.Env);
        Assert.Contains("B=3", exec.Env);
        Assert.True(exec.Tty);
        Assert.Null(exec.Rootfs);
        Assert.Empty(exec.Steps);
    }

    [Fact]
    public void Tmpfs_options_start_from_dockers_noexec_nosuid_nodev()
    {
        Assert.Equal((LinuxMount.NoExec | LinuxMount.NoSuid | LinuxMount.NoDev, ""), LinuxMount.ParseTmpfsOptions(""));
        Assert.Equal((LinuxMount.ReadOnly | LinuxMount.NoSuid, "size=64m,mode=1777"), LinuxMount.ParseTmpfsOptions("ro,exec,dev,size=64m,mode=1777"));
        Assert.StartsWith("tmpfs option \"huge=always\"", Assert.Throws<ArgumentException>(() => LinuxMount.ParseTmpfsOptions("huge=always")).Message);
    }

    [Fact]
    public void Rlimits_map_dockers_names_to_resource_numbers()
    {
        Assert.Equal(new PlanRlimit(7, 1024, 2048), Rlimits.ToPlan(new ProcessRlimit("nofile", 1024, 2048)));
        Assert.StartsWith("ulimit \"files\" is unknown", Assert.Throws<ArgumentException>(() => Rlimits.ToPlan(new ProcessRlimit("files", 1, 1))).Message);
        Assert.Contains("soft limit 5 is above hard limit 4", Assert.Throws<ArgumentException>(() => Rlimits.ToPlan(new ProcessRlimit("nproc", 5, 4))).Message);
    }
}
