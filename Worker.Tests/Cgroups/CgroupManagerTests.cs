using ClusterKit.TestKit;
using ClusterKit.Worker.Cgroups.Devices;

namespace ClusterKit.Worker.Cgroups.Tests;

/// <summary>The manager against temporary directories laid out as the kernel would, with a recording kernel for kill and rmdir.</summary>
public sealed class CgroupManagerTests : IDisposable
{
    private const string Parent = "ckpar";

    private readonly TempDirectory _temp = new();
    private readonly RecordingSystemCalls _kernel = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Pure_v2_enables_controllers_down_to_the_parent_and_writes_limits()
    {
        var root = CgroupFiles.V2(_temp.Combine("cgroup"));
        CgroupFiles.Write(root, "cgroup.subtree_control", "memory\n");
        var parent = CgroupFiles.V2(Path.Combine(root, Parent));
        var child = CgroupFiles.V2(Path.Combine(parent, "web.1"));

        var handle = V2Manager(root).Create("web.1", new ResourceLimits(64L << 20, 500_000_000, 2048, 50));

        Assert.Equal("+cpu +pids", CgroupFiles.Read(root, "cgroup.subtree_control"));
        Assert.Equal("+memory +cpu +pids", CgroupFiles.Read(parent, "cgroup.subtree_control"));
        Assert.Equal("67108864", CgroupFiles.Read(child, "memory.max"));
        Assert.Equal("0", CgroupFiles.Read(child, "memory.swap.max"));
        Assert.Equal("50000 100000", CgroupFiles.Read(child, "cpu.max"));
        Assert.Equal("79", CgroupFiles.Read(child, "cpu.weight"));
        Assert.Equal("50", CgroupFiles.Read(child, "pids.max"));
        Assert.Equal([Path.Combine(child, "cgroup.procs")], handle.ProcsFiles);
    }

    [Fact]
    public void A_nested_parent_gets_controllers_enabled_at_every_level()
    {
        var root = CgroupFiles.V2(_temp.Combine("cgroup"));
        CgroupFiles.Write(root, "cgroup.subtree_control", "cpu memory pids\n");
        var outer = CgroupFiles.V2(Path.Combine(root, "ck"));
        var inner = CgroupFiles.V2(Path.Combine(outer, "node-a"));
        CgroupFiles.V2(Path.Combine(inner, "web.1"));
        var layout = new CgroupLayout(new Dictionary<string, string>(), root) { V2Controllers = new HashSet<string> { "cpu", "memory", "pids" } };
        var manager = new CgroupManager(layout, new CgroupOptions { ParentName = "ck/node-a", KillAttempts = 1, RetryDelay = TimeSpan.Zero }, _kernel);

        manager.Create("web.1", ResourceLimits.None);

        Assert.Equal("cpu memory pids\n", CgroupFiles.Read(root, "cgroup.subtree_control"));
        Assert.Equal("+memory +cpu +pids", CgroupFiles.Read(outer, "cgroup.subtree_control"));
        Assert.Equal("+memory +cpu +pids", CgroupFiles.Read(inner, "cgroup.subtree_control"));
        Assert.Equal([inner], manager.ParentDirectories);
    }

    [Fact]
    public void Pure_v2_usage_and_oom_come_from_the_one_cgroup()
    {
        var root = CgroupFiles.V2(_temp.Combine("cgroup"));
        var child = CgroupFiles.V2(Path.Combine(CgroupFiles.V2(Path.Combine(root, Parent)), "db.1"));
        var handle = V2Manager(root).Create("db.1", new ResourceLimits(MemoryBytes: 16L << 20));

        var usage = handle.ReadUsage();

        Assert.Equal(new ResourceUsage(2_500_123_000, 12582912 - 2097152, 16L << 20, 3, 0), usage);
        Assert.False(handle.WasOomKilled());
        CgroupFiles.Write(child, "memory.events", "low 0\nhigh 0\nmax 9\noom 1\noom_kill 1\noom_group_kill 0\n");
        Assert.True(handle.WasOomKilled());
    }

    [Fact]
    public void Pure_v2_delete_uses_cgroup_kill_first_then_kills_survivors_and_gives_up_after_the_bound()
    {
        var root = CgroupFiles.V2(_temp.Combine("cgroup"));
        var child = CgroupFiles.V2(Path.Combine(CgroupFiles.V2(Path.Combine(root, Parent)), "db.1"));
        CgroupFiles.Write(child, "cgroup.procs", "4242\n");
        var handle = V2Manager(root).Open("db.1")!;

        var error = Assert.Throws<CgroupException>(handle.Delete);

        Assert.Equal("cgroup db.1 still holds processes 4242 after 3 rounds of SIGKILL", error.Message);
        Assert.Equal("1", CgroupFiles.Read(child, "cgroup.kill"));
        Assert.Equal(["kill 4242 9", "kill 4242 9"], _kernel.Calls.Where(c => c.StartsWith("kill", StringComparison.Ordinal)));
        Assert.DoesNotContain(_kernel.Calls, c => c.StartsWith("rmdir", StringComparison.Ordinal));
    }

    [Fact]
    public void Pure_v2_without_cgroup_kill_kills_each_listed_pid()
    {
        var root = CgroupFiles.V2(_temp.Combine("cgroup"));
        var child = CgroupFiles.V2(Path.Combine(CgroupFiles.V2(Path.Combine(root, Parent)), "db.1"), kill: false);
        CgroupFiles.Write(child, "cgroup.procs", "4242\n4243\n");

        Assert.Throws<CgroupException>(V2Manager(root).Open("db.1")!.Delete);

        Assert.Equal(["kill 4242 9", "kill 4243 9", "kill 4242 9", "kill 4243 9", "kill 4242 9", "kill 4243 9"], _kernel.Calls);
    }

    [Fact]
    public void Hybrid_writes_each_controller_in_its_own_hierarchy()
    {
        var (manager, dirs) = Hybrid("api.1");

        var handle = manager.Create("api.1", new ResourceLimits(32L << 20, 250_000_000, 512, 10));

        Assert.Equal("33554432", CgroupFiles.Read(dirs["memory"], "memory.limit_in_bytes"));
        Assert.Equal("0", CgroupFiles.Read(dirs["memory"], "memory.swappiness"));
        Assert.Equal("25000", CgroupFiles.Read(dirs["cpu"], "cpu.cfs_quota_us"));
        Assert.Equal("512", CgroupFiles.Read(dirs["cpu"], "cpu.shares"));
        Assert.Equal("10", CgroupFiles.Read(dirs["pids"], "pids.max"));
        Assert.Equal(5, handle.ProcsFiles.Count);
        Assert.All(dirs.Values, d => Assert.Contains(Path.Combine(d, "cgroup.procs"), handle.ProcsFiles));
    }

    [Fact]
    public void Hybrid_adds_a_process_everywhere_and_reads_usage_from_every_hierarchy()
    {
        var (manager, dirs) = Hybrid("api.1");
        var handle = manager.Create("api.1", new ResourceLimits(PidsLimit: 10));

        handle.AddProcess(4321);
        CgroupFiles.Write(dirs["pids"], "pids.max", "10\n");

        Assert.All(dirs.Values, d => Assert.Equal("4321", CgroupFiles.Read(d, "cgroup.procs")));
        Assert.Equal(new ResourceUsage(987654321, 12582912 - 3145728, 0, 2, 10), handle.ReadUsage());
        Assert.Equal([4321], handle.Processes());
    }

    [Fact]
    public void Hybrid_delete_kills_until_the_bound_then_removes_every_directory_once_empty()
    {
        var (manager, dirs) = Hybrid("api.1");
        var handle = manager.Create("api.1", ResourceLimits.None);
        CgroupFiles.Write(dirs["memory"], "cgroup.procs", "20\n10\n");
        CgroupFiles.Write(dirs["pids"], "cgroup.procs", "10\n");

        var error = Assert.Throws<CgroupException>(handle.Delete);

        Assert.Equal("cgroup api.1 still holds processes 10, 20 after 3 rounds of SIGKILL", error.Message);
        Assert.Equal(6, _kernel.Calls.Count(c => c is "kill 10 9" or "kill 20 9"));

        CgroupFiles.Write(dirs["memory"], "cgroup.procs", string.Empty);
        CgroupFiles.Write(dirs["pids"], "cgroup.procs", string.Empty);
        handle.Delete();

        Assert.Equal(dirs.Values.Order(StringComparer.Ordinal).Select(d => "rmdir " + d), _kernel.Calls.Where(c => c.StartsWith("rmdir", StringComparison.Ordinal)));
    }

    [Fact]
    public void Delete_refuses_to_kill_the_worker_itself()
    {
        var (manager, dirs) = Hybrid("api.1");
        CgroupFiles.Write(dirs["cpu"], "cgroup.procs", $"{Environment.ProcessId}\n");

        var error = Assert.Throws<CgroupException>(manager.Open("api.1")!.Delete);

        Assert.Contains("holds the worker itself", error.Message, StringComparison.Ordinal);
        Assert.Empty(_kernel.Calls);
    }

    [Fact]
    public void Open_finds_existing_cgroups_only_and_list_names_them()
    {
        var (manager, _) = Hybrid("api.1");

        Assert.NotNull(manager.Open("api.1"));
        Assert.Null(manager.Open("api.2"));
        Assert.Equal(["api.1"], manager.List());
    }

    [Theory]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData("web 1")]
    public void Bad_names_are_refused_before_any_directory_is_made(string name)
    {
        var (manager, _) = Hybrid("api.1");

        var error = Assert.Throws<ArgumentException>(() => manager.Create(name, ResourceLimits.None));

        Assert.StartsWith($"invalid cgroup name '{name}'", error.Message, StringComparison.Ordinal);
        Assert.Equal(["api.1"], manager.List());
    }

    [Fact]
    public void Invalid_limits_are_refused_before_any_directory_is_made()
    {
        var (manager, _) = Hybrid("api.1");

        var error = Assert.Throws<InvalidResourceLimitException>(() => manager.Create("api.2", new ResourceLimits(MemoryBytes: 1 << 20)));

        Assert.Equal("memory", error.Limit);
        Assert.Equal(["api.1"], manager.List());
    }

    [Fact]
    public void A_limit_on_a_controller_the_host_lacks_is_refused()
    {
        var mount = _temp.Combine("memory");
        CgroupFiles.V1Memory(Path.Combine(mount, Parent, "x"));
        var layout = new CgroupLayout(new Dictionary<string, string> { ["memory"] = mount }, null);
        var manager = new CgroupManager(layout, Options(), _kernel);

        var error = Assert.Throws<CgroupException>(() => manager.Create("x", new ResourceLimits(PidsLimit: 5)));

        Assert.StartsWith("cannot limit pids: the pids controller is neither mounted as cgroup v1 nor offered by the v2 root (no v2 tree)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_with_a_bad_parent_are_refused()
    {
        var layout = new CgroupLayout(new Dictionary<string, string>(), null);

        var error = Assert.Throws<ArgumentException>(() => new CgroupManager(layout, new CgroupOptions { ParentName = "../etc" }, _kernel));

        Assert.StartsWith("invalid cgroup parent '../etc'", error.Message, StringComparison.Ordinal);
    }

    private CgroupManager V2Manager(string root)
    {
        var layout = new CgroupLayout(new Dictionary<string, string>(), root) { V2Controllers = new HashSet<string> { "cpu", "memory", "pids", "io" } };
        return new CgroupManager(layout, Options(), _kernel);
    }

    [Fact]
    public void Hybrid_restricts_devices_in_the_v1_devices_hierarchy_denying_all_first()
    {
        var (manager, dirs) = Hybrid("api.1");
        var handle = manager.Create("api.1", ResourceLimits.None);

        handle.RestrictDevices([DeviceRule.Character(1, 3), DeviceRule.Character(136, DeviceRule.Any, "rw")]);

        // Each write truncates the test's plain file: the last one of each file remains.
        Assert.Equal("a", CgroupFiles.Read(dirs["devices"], "devices.deny"));
        Assert.Equal("c 136:* rw", CgroupFiles.Read(dirs["devices"], "devices.allow"));
        Assert.DoesNotContain(_kernel.Calls, c => c.StartsWith("bpf", StringComparison.Ordinal));
    }

    [Fact]
    public void Pure_v2_restricts_devices_with_a_bpf_program_attached_to_the_container_cgroup_and_closes_it()
    {
        var root = CgroupFiles.V2(_temp.Combine("cgroup"));
        var child = CgroupFiles.V2(Path.Combine(CgroupFiles.V2(Path.Combine(root, Parent)), "web.1"));
        var handle = V2Manager(root).Create("web.1", ResourceLimits.None);

        handle.RestrictDevices([DeviceRule.Character(1, 3)]);

        Assert.Equal(["bpf-load 13 Apache-2.0", $"bpf-attach {child} 1001", "close 1001"], _kernel.Calls);
    }

    [Fact]
    public void Without_a_devices_hierarchy_or_a_v2_tree_restricting_devices_fails_naming_the_cgroup()
    {
        var layout = new CgroupLayout(new Dictionary<string, string> { ["pids"] = _temp.Combine("pids") }, null);
        CgroupFiles.V1Pids(Path.Combine(_temp.Combine("pids"), Parent, "api.1"));
        var handle = new CgroupManager(layout, Options(), _kernel).Create("api.1", ResourceLimits.None);

        var error = Assert.Throws<CgroupException>(() => handle.RestrictDevices([DeviceRule.Character(1, 3)]));

        Assert.Equal("cannot restrict the devices of cgroup api.1: this host has neither a v1 devices hierarchy nor a cgroup v2 tree", error.Message);
    }

    private (CgroupManager Manager, Dictionary<string, string> Dirs) Hybrid(string name)
    {
        var mounts = new Dictionary<string, string>();
        var dirs = new Dictionary<string, string>();
        foreach (var controller in new[] { "memory", "cpu", "cpuacct", "pids", "devices" })
        {
            mounts[controller] = _temp.Combine(controller);
            var dir = Path.Combine(mounts[controller], Parent, name);
            dirs[controller] = controller switch
            {
                "memory" => CgroupFiles.V1Memory(dir),
                "cpu" => CgroupFiles.V1Cpu(dir),
                "cpuacct" => CgroupFiles.V1Cpuacct(dir),
                "devices" => CgroupFiles.V1Devices(dir),
                _ => CgroupFiles.V1Pids(dir),
            };
        }

        return (new CgroupManager(new CgroupLayout(mounts, _temp.Combine("unified")), Options(), _kernel), dirs);
    }

    private static CgroupOptions Options() => new() { ParentName = Parent, KillAttempts = 3, RetryDelay = TimeSpan.Zero };
}
