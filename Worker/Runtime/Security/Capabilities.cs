namespace ClusterKit.Worker.Runtime.Security;

/// <summary>Linux capability names and numbers, Docker's default set and its --cap-add/--cap-drop rules.</summary>
public static class Capabilities
{
    private static readonly string[] Names =
    [
        "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
        "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
        "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
        "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
        "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
        "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
    ];

    private static readonly string[] DockerDefaultNames =
    [
        "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID",
        "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE",
    ];

    /// <summary>The highest capability number this table knows (CAP_CHECKPOINT_RESTORE).</summary>
    public static int Last => Names.Length - 1;

    /// <summary>Every known capability as a bitmask.</summary>
    public static ulong All => (1UL << Names.Length) - 1;

    /// <summary>Docker's default set (0xa80425fb).</summary>
    public static ulong DockerDefault { get; } = ToMask(DockerDefaultNames);

    /// <summary>The number of a capability given as "NET_ADMIN" or "CAP_NET_ADMIN" (any case).</summary>
    public static int Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var bare = name.Trim().ToUpperInvariant();
        if (bare.StartsWith("CAP_", StringComparison.Ordinal))
        {
            bare = bare[4..];
        }

        var index = Array.IndexOf(Names, bare);
        return index >= 0
            ? index
            : throw new ArgumentException($"unknown capability \"{name}\": allowed are ALL or CAP_{string.Join(", CAP_", Names)}", nameof(name));
    }

    /// <summary>"CAP_" + the name of capability <paramref name="number"/>.</summary>
    public static string NameOf(int number) =>
        number >= 0 && number < Names.Length ? "CAP_" + Names[number] : throw new ArgumentOutOfRangeException(nameof(number), number, $"capability numbers are 0..{Last}");

    public static ulong ToMask(IEnumerable<string> names) => names.Aggregate(0UL, (mask, name) => mask | (1UL << Parse(name)));

    public static IReadOnlyList<string> ToNames(ulong mask) =>
        Enumerable.Range(0, Names.Length).Where(i => (mask & (1UL << i)) != 0).Select(NameOf).ToList();

    /// <summary>
    /// Docker's rules: ALL in add means every capability but the dropped ones; ALL in drop means
    /// only the added ones; otherwise the default set minus drops plus adds.
    /// </summary>
    public static ulong Resolve(IReadOnlyCollection<string> add, IReadOnlyCollection<string> drop)
    {
        ArgumentNullException.ThrowIfNull(add);
        ArgumentNullException.ThrowIfNull(drop);
        static bool IsAll(string s) => s.Trim().Equals("ALL", StringComparison.OrdinalIgnoreCase);
        var addAll = add.Any(IsAll);
        var dropAll = drop.Any(IsAll);
        var addMask = ToMask(add.Where(s => !IsAll(s)));
        var dropMask = ToMask(drop.Where(s => !IsAll(s)));
        if (addAll)
        {
            return All & ~dropMask;
        }

        return dropAll ? addMask : (DockerDefault & ~dropMask) | addMask;
    }
}
