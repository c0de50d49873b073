namespace ClusterKit.Worker.Runtime;

/// <summary>
/// The files of one container, in two directories: <paramref name="Directory"/> holds what must
/// survive a reboot (the overlay's upper and work dirs, logs); <paramref name="RunDirectory"/>
/// what describes the running processes and ends with them (plan, pid and exit records, attach
/// socket, hostname/hosts/resolv.conf, the rootfs mount point), meant for a tmpfs. Both may be
/// the same directory.
/// </summary>
public sealed record ContainerPaths(string Directory, string RunDirectory)
{
    /// <summary>Everything in one directory.</summary>
    public ContainerPaths(string directory)
        : this(directory, directory)
    {
    }

    public string Plan => Path.Combine(RunDirectory, "config.plan");

    /// <summary>"SHIM_PID INIT_PID STARTED_AT", written by the shim once the process runs.</summary>
    public string Pid => Path.Combine(RunDirectory, "pid");

    /// <summary>The exit record (JSON), written by the shim when the container's init exits.</summary>
    public string Exit => Path.Combine(RunDirectory, "exit");

    public string Log => Path.Combine(Directory, "container-json.log");

    public string AttachSocket => Path.Combine(RunDirectory, "attach.sock");

    public string Rootfs => Path.Combine(RunDirectory, "rootfs");

    public string Upper => Path.Combine(Directory, "upper");

    public string Work => Path.Combine(Directory, "work");

    /// <summary>The boot id of the host when the overlay was last mounted (saved just before the mount).</summary>
    public string MountBootId => Path.Combine(RunDirectory, "boot-id");

    public string Hosts => Path.Combine(RunDirectory, "hosts");

    public string Hostname => Path.Combine(RunDirectory, "hostname");

    public string ResolvConf => Path.Combine(RunDirectory, "resolv.conf");

    /// <summary>True when the run files live apart from the container directory.</summary>
    public bool SplitRunDirectory => !string.Equals(Directory, RunDirectory, StringComparison.Ordinal);
}
