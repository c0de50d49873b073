using ClusterKit.Worker.Runtime.Security;

namespace ClusterKit.Worker.Runtime.Plan;

/// <summary>One step of root filesystem preparation, executed in order by the helper.</summary>
internal abstract record PlanStep(string Target);

/// <summary>mount(2) of <paramref name="Source"/> on a path inside the container.</summary>
internal sealed record PlanMount(string Source, string Target, string FileSystemType, ulong Flags, string Data) : PlanStep(Target);

/// <summary>mknod(2) of a character ('c') or block ('b') device.</summary>
internal sealed record PlanDevice(string Target, char Type, uint Major, uint Minor, uint Mode) : PlanStep(Target);

/// <summary>symlink(2): a link at <paramref name="Target"/> pointing to <paramref name="LinkTo"/>.</summary>
internal sealed record PlanSymlink(string LinkTo, string Target) : PlanStep(Target);

internal sealed record PlanRlimit(int Resource, ulong Soft, ulong Hard);

/// <summary>
/// The complete, policy-free description of a container start (or an exec) that ck-init
/// executes step by step. See docs/adr/0001-native-container-helper.md for the file format.
/// </summary>
internal sealed record LaunchPlan
{
    public string? Rootfs { get; init; }
    public string? Hostname { get; init; }
    public bool NewNetwork { get; init; }
    public bool Tty { get; init; }

    /// <summary>An exec's pty size, set before its command starts.</summary>
    public TerminalSize? TerminalSize { get; init; }
    public bool OpenStdin { get; init; }
    public bool ReadOnlyRootfs { get; init; }
    public bool NoNewPrivileges { get; init; }

    /// <summary>The init enters a new cgroup namespace once it is in its cgroups (after "go").</summary>
    public bool CgroupNamespace { get; init; }
    public IReadOnlyList<string> CgroupProcs { get; init; } = [];
    public IReadOnlyList<PlanStep> Steps { get; init; } = [];
    public IReadOnlyList<string> Masked { get; init; } = [];
    public IReadOnlyList<string> ReadOnlyPaths { get; init; } = [];
    public IReadOnlyList<PlanRlimit> Rlimits { get; init; } = [];
    public uint Uid { get; init; }
    public uint Gid { get; init; }
    public IReadOnlyList<uint> Groups { get; init; } = [];
    public ProcessCapabilities? Capabilities { get; init; }
    public byte[]? Seccomp { get; init; }
    public IReadOnlyList<string> Env { get; init; } = [];
    public string Cwd { get; init; } = "/";
    public IReadOnlyList<string> Args { get; init; } = [];
    public string? LogPath { get; init; }
    public long LogMaxSize { get; init; }
    public int LogMaxFiles { get; init; } = 1;
    public string? StateDirectory { get; init; }
    public string? AttachSocket { get; init; }
    public int TargetPid { get; init; }

    /// <summary>Read by the worker only (for example after a restart); the helper skips them.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
}

/// <summary>A --device mapping with the host node it names (looked up at start).</summary>
internal sealed record ResolvedDevice(DeviceMapping Mapping, Host.DeviceNode Node);
