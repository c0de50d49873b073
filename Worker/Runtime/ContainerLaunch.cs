using ClusterKit.Worker.Cgroups;

namespace ClusterKit.Worker.Runtime;

/// <summary>Everything the runtime needs to start one container.</summary>
public sealed record ContainerLaunch
{
    /// <summary>The container's id: letters, digits, '.', '_' and '-'.</summary>
    public required string Id { get; init; }

    /// <summary>The container's own directory (logs and the overlay's upper and work dirs, which must survive a reboot); created if missing.</summary>
    public required string ContainerDirectory { get; init; }

    /// <summary>
    /// Where the files that describe the running processes go (plan, pid and exit records, attach
    /// socket, hostname/hosts/resolv.conf, the rootfs mount point), best on a tmpfs; created if
    /// missing. Null keeps them in <see cref="ContainerDirectory"/>.
    /// </summary>
    public string? RunDirectory { get; init; }

    /// <summary>The image's layer directories, top first; the runtime mounts an overlay over them at ContainerDirectory/rootfs.</summary>
    public IReadOnlyList<string> LowerDirs { get; init; } = [];

    /// <summary>Instead of <see cref="LowerDirs"/>: a root filesystem the caller prepared (used as is, writes land in it).</summary>
    public string? RootfsPath { get; init; }

    /// <summary>argv of the container's process; argv[0] is looked up in the container's PATH.</summary>
    public required IReadOnlyList<string> Args { get; init; }

    /// <summary>KEY=VALUE entries; PATH, HOSTNAME and HOME get Docker's defaults when missing.</summary>
    public IReadOnlyList<string> Env { get; init; } = [];

    public string WorkingDirectory { get; init; } = "/";

    /// <summary>"name", "uid", "name:group" or "uid:gid", resolved in the image's /etc/passwd and /etc/group; null is root.</summary>
    public string? User { get; init; }

    /// <summary>The container's hostname; null uses the first 12 characters of the id, as Docker.</summary>
    public string? Hostname { get; init; }

    public ContainerNetworkMode Network { get; init; } = ContainerNetworkMode.Isolated;

    public bool Tty { get; init; }

    public bool OpenStdin { get; init; }

    public bool ReadOnlyRootfs { get; init; }

    public bool NoNewPrivileges { get; init; }

    /// <summary>Runs without the seccomp filter (Docker's --security-opt seccomp=unconfined).</summary>
    public bool SeccompUnconfined { get; init; }

    public IReadOnlyList<string> CapAdd { get; init; } = [];

    public IReadOnlyList<string> CapDrop { get; init; } = [];

    public IReadOnlyList<BindMount> Binds { get; init; } = [];

    public IReadOnlyList<TmpfsMount> Tmpfs { get; init; } = [];

    /// <summary>Host devices made in the container's /dev and allowed in its devices cgroup (Docker's --device).</summary>
    public IReadOnlyList<DeviceMapping> Devices { get; init; } = [];

    public IReadOnlyList<ProcessRlimit> Rlimits { get; init; } = [];

    /// <summary>A cgroup the caller made; the runtime moves the container into it and deletes it with the container.</summary>
    public ICgroupHandle? Cgroup { get; init; }

    /// <summary>Without <see cref="Cgroup"/>: limits for a cgroup the runtime creates through its <see cref="ICgroupManager"/>.</summary>
    public ResourceLimits? Limits { get; init; }

    /// <summary>Rotate the JSON log when it would grow past this many bytes; 0 never rotates.</summary>
    public long LogMaxSizeBytes { get; init; }

    /// <summary>How many log files to keep, the live one included.</summary>
    public int LogMaxFiles { get; init; } = 1;

    /// <summary>Content of /etc/hosts inside the container; null leaves the image's file.</summary>
    public string? HostsFile { get; init; }

    /// <summary>Content of /etc/resolv.conf inside the container; null leaves the image's file.</summary>
    public string? ResolvConf { get; init; }

    /// <summary>Told the name of each start step as it ends (see <see cref="StepTimings"/>); null for none.</summary>
    public Action<string>? StepReached { get; init; }
}

public enum ContainerNetworkMode
{
    /// <summary>A new network namespace with only lo; the caller wires it in the before-exec hook.</summary>
    Isolated,

    /// <summary>The host's network namespace.</summary>
    Host,
}

/// <summary>A host path mounted into the container.</summary>
public sealed record BindMount(string Source, string Target, bool ReadOnly = false);

/// <summary>
/// A host device node (<paramref name="HostPath"/>, symlinks followed) created at
/// <paramref name="ContainerPath"/> with the access <paramref name="Permissions"/> (a non-empty
/// combination of r, w, m) in the devices cgroup, as Docker's --device HOST[:CONTAINER][:rwm].
/// </summary>
public sealed record DeviceMapping(string HostPath, string ContainerPath, string Permissions = "rwm");

/// <summary>A tmpfs at <paramref name="Target"/>, with Docker's --tmpfs options (e.g. "size=64m,mode=1777,exec").</summary>
public sealed record TmpfsMount(string Target, string Options = "");

/// <summary>A resource limit by Docker's --ulimit name (nofile, nproc, core, ...).</summary>
public sealed record ProcessRlimit(string Name, ulong Soft, ulong Hard);
