namespace ClusterKit.Worker.Runtime.Plan;

/// <summary>Docker's defaults: the standard mounts, devices, and masked and read-only paths.</summary>
internal static class DefaultContainerMounts
{
    /// <summary>Paths hidden from the container (a file gets /dev/null on top, a directory an empty read-only tmpfs).</summary>
    public static IReadOnlyList<string> MaskedPaths { get; } =
    [
        "/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
        "/sys/devices/virtual/powercap",
    ];

    public static IReadOnlyList<string> ReadOnlyPaths { get; } =
    [
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
    ];

    /// <summary>/proc, /dev with its nodes and links, /dev/pts, /dev/shm, /dev/mqueue and a read-only /sys, in mount order.</summary>
    public static IReadOnlyList<PlanStep> Steps { get; } = BuildSteps();

    private static List<PlanStep> BuildSteps()
    {
        const ulong nsn = LinuxMount.NoSuid | LinuxMount.NoExec | LinuxMount.NoDev;
        List<PlanStep> steps =
        [
            new PlanMount("proc", "/proc", "proc", nsn, string.Empty),
            new PlanMount("tmpfs", "/dev", "tmpfs", LinuxMount.NoSuid | LinuxMount.StrictAtime, "mode=755,size=65536k"),
        ];
        foreach (var (name, major, minor) in new[] { ("null", 1u, 3u), ("zero", 1u, 5u), ("full", 1u, 7u), ("random", 1u, 8u), ("urandom", 1u, 9u), ("tty", 5u, 0u) })
        {
            steps.Add(new PlanDevice("/dev/" + name, 'c', major, minor, Convert.ToUInt32("666", 8)));
        }

        steps.AddRange(
        [
            new PlanSymlink("/proc/self/fd", "/dev/fd"),
            new PlanSymlink("/proc/self/fd/0", "/dev/stdin"),
            new PlanSymlink("/proc/self/fd/1", "/dev/stdout"),
            new PlanSymlink("/proc/self/fd/2", "/dev/stderr"),
            new PlanSymlink("pts/ptmx", "/dev/ptmx"),
            new PlanMount("devpts", "/dev/pts", "devpts", LinuxMount.NoSuid | LinuxMount.NoExec, "newinstance,ptmxmode=0666,mode=0620,gid=5"),
            new PlanMount("shm", "/dev/shm", "tmpfs", nsn, "mode=1777,size=65536k"),
            new PlanMount("mqueue", "/dev/mqueue", "mqueue", nsn, string.Empty),
            new PlanMount("sysfs", "/sys", "sysfs", nsn | LinuxMount.ReadOnly, string.Empty),
        ]);
        return steps;
    }
}
