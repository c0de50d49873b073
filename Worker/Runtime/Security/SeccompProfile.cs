namespace ClusterKit.Worker.Runtime.Security;

/// <summary>
/// What the seccomp filter denies: a core of Docker's default profile, for x86_64. Calls are
/// blocked by name whatever the capabilities, so --cap-add SYS_ADMIN does not re-open mount.
/// </summary>
public sealed record SeccompProfile(
    IReadOnlyDictionary<string, int> Blocked,
    IReadOnlyList<uint> PersonalityAllowed,
    uint CloneNamespaceFlags)
{
    /// <summary>x86_64 numbers of the calls Docker's default profile refuses to an unprivileged container.</summary>
    public static SeccompProfile DockerDefault { get; } = new(
        new Dictionary<string, int>
        {
            ["uselib"] = 134, ["ustat"] = 136, ["sysfs"] = 139, ["vhangup"] = 153, ["pivot_root"] = 155,
            ["_sysctl"] = 156, ["acct"] = 163, ["settimeofday"] = 164, ["mount"] = 165, ["umount2"] = 166,
            ["swapon"] = 167, ["swapoff"] = 168, ["reboot"] = 169, ["iopl"] = 172, ["ioperm"] = 173,
            ["create_module"] = 174, ["init_module"] = 175, ["delete_module"] = 176, ["get_kernel_syms"] = 177,
            ["query_module"] = 178, ["quotactl"] = 179, ["nfsservctl"] = 180, ["syslog"] = 103,
            ["lookup_dcookie"] = 212, ["clock_settime"] = 227, ["mbind"] = 237, ["set_mempolicy"] = 238,
            ["get_mempolicy"] = 239, ["kexec_load"] = 246, ["add_key"] = 248, ["request_key"] = 249,
            ["keyctl"] = 250, ["migrate_pages"] = 256, ["unshare"] = 272, ["move_pages"] = 279,
            ["perf_event_open"] = 298, ["name_to_handle_at"] = 303, ["open_by_handle_at"] = 304,
            ["clock_adjtime"] = 305, ["setns"] = 308, ["finit_module"] = 313, ["kexec_file_load"] = 320,
            ["bpf"] = 321, ["userfaultfd"] = 323, ["open_tree"] = 428, ["move_mount"] = 429, ["fsopen"] = 430,
            ["fsconfig"] = 431, ["fsmount"] = 432, ["fspick"] = 433, ["mount_setattr"] = 442, ["quotactl_fd"] = 443,
        },
        // PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, and the query 0xffffffff.
        [0x0, 0x8, 0x20000, 0x20008, 0xffffffff],
        // CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWTIME.
        0x7E020080);

    public const int CloneNr = 56;
    public const int Clone3Nr = 435;
    public const int PersonalityNr = 135;
}
