namespace ClusterKit.Worker.Cgroups.Tests;

/// <summary>Lays out cgroup directories in a temporary folder with the files (and typical contents) the kernel shows.</summary>
internal static class CgroupFiles
{
    public const string V1MemoryStat =
        "cache 8388608\nrss 4194304\nrss_huge 0\nshmem 0\nmapped_file 1048576\ndirty 0\nwriteback 0\npgpgin 4000\npgpgout 1000\n" +
        "pgfault 5000\npgmajfault 3\ninactive_anon 0\nactive_anon 4194304\ninactive_file 2097152\nactive_file 6291456\nunevictable 0\n" +
        "hierarchical_memory_limit 67108864\ntotal_cache 8388608\ntotal_rss 4194304\ntotal_inactive_anon 0\ntotal_active_anon 4194304\n" +
        "total_inactive_file 3145728\ntotal_active_file 5242880\ntotal_unevictable 0\n";

    public const string V2MemoryStat =
        "anon 4194304\nfile 8388608\nkernel 262144\nkernel_stack 32768\npagetables 65536\nsock 0\nshmem 0\nfile_mapped 1048576\n" +
        "file_dirty 0\nfile_writeback 0\nanon_thp 0\ninactive_anon 0\nactive_anon 4194304\ninactive_file 2097152\nactive_file 6291456\n" +
        "unevictable 0\nslab_reclaimable 65536\nslab_unreclaimable 32768\npgfault 5000\npgmajfault 3\n";

    public const string V2CpuStat =
        "usage_usec 2500123\nuser_usec 2000000\nsystem_usec 500123\nnr_periods 40\nnr_throttled 7\nthrottled_usec 81234\nnr_bursts 0\nburst_usec 0\n";

    public static string V1Memory(string directory, string oomControl = "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n") => Lay(directory, new()
    {
        ["cgroup.procs"] = string.Empty,
        ["memory.limit_in_bytes"] = "9223372036854771712\n",
        ["memory.usage_in_bytes"] = "12582912\n",
        ["memory.stat"] = V1MemoryStat,
        ["memory.oom_control"] = oomControl,
        ["memory.failcnt"] = "0\n",
        ["memory.swappiness"] = "60\n",
    });

    public static string V1Cpu(string directory) => Lay(directory, new()
    {
        ["cgroup.procs"] = string.Empty,
        ["cpu.cfs_period_us"] = "100000\n",
        ["cpu.cfs_quota_us"] = "-1\n",
        ["cpu.shares"] = "1024\n",
    });

    public static string V1Cpuacct(string directory) => Lay(directory, new()
    {
        ["cgroup.procs"] = string.Empty,
        ["cpuacct.usage"] = "987654321\n",
    });

    public static string V1Pids(string directory) => Lay(directory, new()
    {
        ["cgroup.procs"] = string.Empty,
        ["pids.max"] = "max\n",
        ["pids.current"] = "2\n",
    });

    public static string V1Devices(string directory) => Lay(directory, new()
    {
        ["cgroup.procs"] = string.Empty,
        ["devices.allow"] = string.Empty,
        ["devices.deny"] = string.Empty,
        ["devices.list"] = "a *:* rwm\n",
    });

    /// <summary>A v2 cgroup with memory, cpu and pids enabled (and swap accounting when <paramref name="swap"/>).</summary>
    public static string V2(string directory, bool swap = true, bool kill = true)
    {
        var files = new Dictionary<string, string>
        {
            ["cgroup.procs"] = string.Empty,
            ["cgroup.controllers"] = "cpu memory pids\n",
            ["cgroup.subtree_control"] = "\n",
            ["cgroup.events"] = "populated 0\nfrozen 0\n",
            ["memory.max"] = "max\n",
            ["memory.current"] = "12582912\n",
            ["memory.stat"] = V2MemoryStat,
            ["memory.events"] = "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n",
            ["cpu.max"] = "max 100000\n",
            ["cpu.weight"] = "100\n",
            ["cpu.stat"] = V2CpuStat,
            ["pids.max"] = "max\n",
            ["pids.current"] = "3\n",
        };
        if (swap)
        {
            files["memory.swap.max"] = "max\n";
        }

        if (kill)
        {
            files["cgroup.kill"] = string.Empty;
        }

        return Lay(directory, files);
    }

    public static string Read(string directory, string file) => File.ReadAllText(Path.Combine(directory, file));

    public static void Write(string directory, string file, string text) => File.WriteAllText(Path.Combine(directory, file), text);

    private static string Lay(string directory, Dictionary<string, string> files)
    {
        Directory.CreateDirectory(directory);
        foreach (var (name, text) in files)
        {
            File.WriteAllText(Path.Combine(directory, name), text);
        }

        return directory;
    }
}
