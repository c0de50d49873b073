using System.Diagnostics;
using ClusterKit.Worker.Cgroups.Detection;

namespace ClusterKit.Worker.Cgroups.Tests.Kernel;

/// <summary>Real cgroups as root, below a unique parent; every test removes what it made.</summary>
public sealed class KernelCgroupTests : IClassFixture<KernelCgroupFixture>
{
    private readonly CgroupManager _manager;

    public KernelCgroupTests(KernelCgroupFixture fixture)
    {
        _manager = fixture.Manager;
    }

    [Fact]
    public void Limits_land_in_the_kernel_files_and_a_second_create_updates_them()
    {
        var name = KernelCgroupFixture.UniqueName("limits");
        var handle = _manager.Create(name, new ResourceLimits(64L << 20, 500_000_000, 512, 20));
        try
        {
            if (Directory(handle, "memory.limit_in_bytes") is { } memory)
            {
                Assert.Equal("67108864", Read(memory, "memory.limit_in_bytes"));
                Assert.Equal("0", Read(memory, "memory.swappiness"));
            }
            else
            {
                Assert.Equal("67108864", Read(Directory(handle, "memory.max")!, "memory.max"));
            }

            if (Directory(handle, "cpu.cfs_quota_us") is { } cpu)
            {
                Assert.Equal("50000", Read(cpu, "cpu.cfs_quota_us"));
                Assert.Equal("100000", Read(cpu, "cpu.cfs_period_us"));
                Assert.Equal("512", Read(cpu, "cpu.shares"));
            }
            else
            {
                Assert.Equal("50000 100000", Read(Directory(handle, "cpu.max")!, "cpu.max"));
            }

            Assert.Equal("20", Read(Directory(handle, "pids.max")!, "pids.max"));
            var usage = handle.ReadUsage();
            Assert.Equal(64UL << 20, usage.MemoryLimitBytes);
            Assert.Equal(20UL, usage.PidsLimit);

            var again = _manager.Create(name, new ResourceLimits(MemoryBytes: 32L << 20, PidsLimit: -1));
            Assert.Equal(32UL << 20, again.ReadUsage().MemoryLimitBytes);
            Assert.Equal("max", Read(Directory(handle, "pids.max")!, "pids.max"));
            Assert.Equal(0UL, again.ReadUsage().PidsLimit);
        }
        finally
        {
            handle.Delete();
        }
    }

    [Fact]
    public void A_sleep_added_to_the_cgroup_is_listed_and_delete_kills_it_and_removes_every_directory()
    {
        var name = KernelCgroupFixture.UniqueName("sleep");
        var handle = _manager.Create(name, ResourceLimits.None);
        using var sleep = Process.Start("sleep", "30");
        try
        {
            handle.AddProcess(sleep.Id);

            Assert.Contains(sleep.Id, handle.Processes());
            Assert.Equal(1UL, handle.ReadUsage().PidsCurrent);
            Assert.Equal(name, _manager.Open(name)?.Name);
            Assert.Contains(name, _manager.List());

            handle.Delete();

            Assert.True(sleep.WaitForExit(5000), "sleep survived the delete");
            Assert.Equal(137, sleep.ExitCode);
            Assert.All(handle.ProcsFiles, f => Assert.False(System.IO.Directory.Exists(Path.GetDirectoryName(f)), f));
            Assert.Null(_manager.Open(name));
            handle.Delete();
        }
        finally
        {
            if (!sleep.HasExited)
            {
                sleep.Kill();
            }

            handle.Delete();
        }
    }

    [Fact]
    public void A_memory_hog_in_16m_is_oom_killed()
    {
        var handle = _manager.Create(KernelCgroupFixture.UniqueName("oom"), new ResourceLimits(MemoryBytes: 16L << 20));
        try
        {
            Assert.False(handle.WasOomKilled());

            // tail keeps the whole "line" of /dev/zero in memory, which never ends.
            using var hog = CgroupProcess.Start(handle, "exec tail /dev/zero");

            Assert.Equal(137, hog.WaitForExit(TimeSpan.FromSeconds(30)));
            Assert.True(handle.WasOomKilled(), "exit 137 but no OOM kill counted");
            Assert.Empty(handle.Processes());
        }
        finally
        {
            handle.Delete();
        }
    }

    [Fact]
    public void A_fork_bomb_stops_at_the_pids_limit()
    {
        var handle = _manager.Create(KernelCgroupFixture.UniqueName("pids"), new ResourceLimits(PidsLimit: 10));
        try
        {
            using var bomb = CgroupProcess.Start(handle, "i=0; while [ $i -lt 50 ]; do sleep 30 & i=$((i+1)); done; wait");

            var exit = bomb.WaitForExit(TimeSpan.FromSeconds(20));

            Assert.NotNull(exit);
            Assert.NotEqual(0, exit);
            Assert.True(bomb.WaitForStandardError("fork", TimeSpan.FromSeconds(10)), $"no fork failure reported; stderr: '{bomb.StandardError}'");
            var usage = handle.ReadUsage();
            Assert.InRange(usage.PidsCurrent, 1UL, 10UL);
            Assert.Equal(10UL, usage.PidsLimit);
            Assert.InRange(handle.Processes().Count, 1, 10);
            var events = Read(Directory(handle, "pids.events")!, "pids.events");
            Assert.Matches("^max [1-9]", events);

            handle.Delete();

            Assert.Null(_manager.Open(handle.Name));
        }
        finally
        {
            handle.Delete();
        }
    }

    [Fact]
    public void A_busy_loop_shows_cpu_and_memory_use_and_is_held_to_its_quota()
    {
        var handle = _manager.Create(KernelCgroupFixture.UniqueName("cpu"), new ResourceLimits(NanoCpus: 200_000_000));
        try
        {
            // The 4 MB string is charged to this cgroup (pages touched before joining stay with the old one).
            using var busy = CgroupProcess.Start(handle, "x=$(head -c 4000000 /dev/zero | tr '\\0' a); while :; do :; done");
            busy.WaitUntilIn(handle);
            var before = handle.ReadUsage().CpuUsageNanos;
            var clock = Stopwatch.StartNew();
            var throttled = false;
            while (!throttled && clock.Elapsed < TimeSpan.FromSeconds(3))
            {
                Thread.Sleep(200);
                throttled = ThrottledPeriods(handle) > 0;
            }

            var usage = handle.ReadUsage();
            var wallNanos = (ulong)clock.Elapsed.Ticks * 100;
            var used = usage.CpuUsageNanos - before;

            Assert.True(used > 0, $"no CPU time counted in {wallNanos} ns");
            Assert.True(used < (wallNanos / 5) + 150_000_000, $"{used} ns of CPU in {wallNanos} ns, over a 0.2 CPU quota");
            Assert.True(usage.MemoryUsageBytes > 1_000_000, $"memory use {usage.MemoryUsageBytes} bytes with a 4 MB string held");

            // On a loaded machine the loop may never get its 20 ms per period, and then is never throttled.
            Assert.True(throttled || used < wallNanos / 10, $"never throttled though it used {used} ns of CPU in {wallNanos} ns");
        }
        finally
        {
            handle.Delete();
        }
    }

    [Fact]
    public void Delete_kills_a_process_tree_and_every_fork_it_races()
    {
        var handle = _manager.Create(KernelCgroupFixture.UniqueName("tree"), ResourceLimits.None);
        try
        {
            // Keeps forking while it is being killed.
            using var tree = CgroupProcess.Start(handle, "for i in 1 2 3 4 5; do sleep 30 & done; while :; do sleep 30 & sleep 0.01; done");
            tree.WaitUntilIn(handle);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (handle.Processes().Count < 6 && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20);
            }

            Assert.True(handle.Processes().Count >= 6);

            handle.Delete();

            Assert.Equal(137, tree.WaitForExit(TimeSpan.FromSeconds(5)));
            Assert.All(handle.ProcsFiles, f => Assert.False(File.Exists(f), f));
        }
        finally
        {
            handle.Delete();
        }
    }

    [Fact]
    public void A_value_the_kernel_refuses_is_reported_with_file_value_and_reason()
    {
        var handle = _manager.Create(KernelCgroupFixture.UniqueName("refused"), ResourceLimits.None);
        try
        {
            var pids = Directory(handle, "pids.max")!;

            var error = Assert.Throws<CgroupException>(() => CgroupFile.Write(pids, "pids.max", "-5"));

            Assert.StartsWith($"cannot write '-5' to {pids}/pids.max: ", error.Message, StringComparison.Ordinal);
            Assert.Equal("max", Read(pids, "pids.max"));
        }
        finally
        {
            handle.Delete();
        }
    }

    [Fact]
    public void Invalid_limits_make_no_directory()
    {
        var name = KernelCgroupFixture.UniqueName("bad");

        var error = Assert.Throws<InvalidResourceLimitException>(() => _manager.Create(name, new ResourceLimits(NanoCpus: (Environment.ProcessorCount + 1) * 1_000_000_000L)));

        Assert.Equal("cpus", error.Limit);
        Assert.Null(_manager.Open(name));
    }

    [Fact]
    public void Remove_parent_deletes_every_container_cgroup_and_the_parent()
    {
        using var own = new KernelCgroupFixture();
        var a = own.Manager.Create("a", new ResourceLimits(PidsLimit: 5));
        own.Manager.Create("b", ResourceLimits.None);
        using var sleep = CgroupProcess.Start(a, "exec sleep 30");
        sleep.WaitUntilIn(a);

        // A cgroup beside ours, with a process in it, that the manager must leave alone.
        var sibling = Path.Combine(Path.GetDirectoryName(own.Manager.ParentDirectories[0])!, KernelCgroupFixture.UniqueName("sibling"));
        System.IO.Directory.CreateDirectory(sibling);
        using var bystander = Process.Start("sleep", "30");
        try
        {
            File.WriteAllText(Path.Combine(sibling, "cgroup.procs"), bystander.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

            own.Manager.RemoveParent();

            Assert.Equal(137, sleep.WaitForExit(TimeSpan.FromSeconds(5)));
            Assert.All(own.Manager.ParentDirectories, d => Assert.False(System.IO.Directory.Exists(d), d));
            Assert.Empty(own.Manager.List());
            own.Manager.RemoveParent();
            Assert.True(System.IO.Directory.Exists(sibling));
            Assert.False(bystander.HasExited);
        }
        finally
        {
            bystander.Kill();
            bystander.WaitForExit(5000);
            for (var attempt = 0; System.IO.Directory.Exists(sibling) && attempt < 100; attempt++)
            {
                try
                {
                    System.IO.Directory.Delete(sibling);
                }
                catch (IOException)
                {
                    Thread.Sleep(20);
                }
            }
        }
    }

    /// <summary>
    /// On this hybrid host nothing lives on v2; hiding cpuacct from the layout sends CPU accounting
    /// to the v2 tree, so the real v2 paths run: a cgroup in the unified tree, cpu.stat, cgroup.kill.
    /// </summary>
    [Fact]
    public void Without_v1_cpuacct_the_v2_tree_accounts_cpu_and_cgroup_kill_empties_it()
    {
        var detected = CgroupLayoutDetector.Detect();
        Assert.True(detected.V2Root is not null, "this test needs a mounted cgroup v2 tree");
        var layout = detected with { V1Mounts = detected.V1Mounts.Where(m => m.Key != "cpuacct").ToDictionary() };
        using var fixture = KernelCgroupFixture.For(layout);
        var handle = fixture.Manager.Create("v2", ResourceLimits.None);
        var v2Directory = Path.Combine(detected.V2Root!, fixture.ParentName, "v2");
        Assert.Contains(Path.Combine(v2Directory, "cgroup.procs"), handle.ProcsFiles);

        using var busy = CgroupProcess.Start(handle, "while :; do :; done");
        busy.WaitUntilIn(handle);
        Thread.Sleep(200);

        Assert.True(handle.ReadUsage().CpuUsageNanos > 0);
        Assert.Contains(busy.Pid, File.ReadAllText(Path.Combine(v2Directory, "cgroup.procs")).Split('\n').Where(l => l.Length > 0).Select(int.Parse));

        handle.Delete();

        Assert.Equal(137, busy.WaitForExit(TimeSpan.FromSeconds(5)));
        Assert.False(System.IO.Directory.Exists(v2Directory));
    }

    private static ulong ThrottledPeriods(ICgroupHandle handle)
    {
        var line = Read(Directory(handle, "cpu.stat")!, "cpu.stat").Split('\n').Single(l => l.StartsWith("nr_throttled ", StringComparison.Ordinal));
        return ulong.Parse(line["nr_throttled ".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string? Directory(ICgroupHandle handle, string file) =>
        handle.ProcsFiles.Select(Path.GetDirectoryName).OfType<string>().FirstOrDefault(d => File.Exists(Path.Combine(d, file)));

    private static string Read(string directory, string file) => File.ReadAllText(Path.Combine(directory, file)).Trim();
}
