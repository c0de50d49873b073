using ClusterKit.Worker.Cgroups.Devices;

namespace ClusterKit.Worker.Runtime.Plan;

/// <summary>Docker's defaults: the standard mounts, devices, and masked and read-only paths.</summary>
public static class DefaultContainerMounts
{
    /// <summary>Paths hidden from the container (a file gets /dev/null on top, a directory an empty read-only tmpfs).</summary>
    public static IReadOnlyList<string> MaskedPaths { get; } =
    [
        "/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
        "/sys/devices/virtual/powercap",
    ];

    /// <summary>
    /// The devices cgroup's allow list, Docker's default without its "c *:* m" and "b *:* m": a
    /// container may create (and open) only these nodes, plus its --device ones. null, zero,
    /// full, random, urandom, tty, console, ptmx and the devpts ptys (136:*); no tun (10:200),
    /// which Docker also dropped.
    /// </summary>
    public static IReadOnlyList<DeviceRule> AllowedDevices { get; } =
    [
        DeviceRule.Character(1, 3), DeviceRule.Character(1, 5), DeviceRule.Character(1, 7), DeviceRule.Character(1, 8),
        DeviceRule.Character(1, 9), DeviceRule.Character(5, 0), DeviceRule.Character(5, 1), DeviceRule.Character(5, 2),
        DeviceRule.Character(136, DeviceRule.Any),
    ];

    /// <summary>
    /// The allow list of a container given <paramref name="devices"/>: the defaults plus each device
    /// with its permissions and always mknod, which its node in /dev needs (the init may already be
    /// in the cgroup when it creates it); r and w stay exactly as given.
    /// </summary>
    internal static IReadOnlyList<DeviceRule> AllowedDevicesWith(IEnumerable<ResolvedDevice> devices) =>
    [
        .. AllowedDevices,
        .. devices.Select(d => new DeviceRule(d.Node.Type, d.Node.Major, d.Node.Minor, d.Mapping.Permissions.Contains('m', StringComparison.Ordinal) ? d.Mapping.Permissions : d.Mapping.Permissions + "m")),
    ];

    public static IReadOnlyList<string> ReadOnlyPaths { get; } =
    [
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
    ];

    /// <summary>/proc, /dev with its nodes and links, /dev/pts, /dev/shm, /dev/mqueue and a read-only /sys, in mount order.</summary>
    internal static IReadOnlyList<PlanStep> Steps { get; } = BuildSteps();

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
