namespace ClusterKit.Worker.Runtime;

/// <summary>The files of one container directory.</summary>
public sealed record ContainerPaths(string Directory)
{
    public string Plan => Path.Combine(Directory, "config.plan");

    /// <summary>"SHIM_PID INIT_PID STARTED_AT", written by the shim once the process runs.</summary>
    public string Pid => Path.Combine(Directory, "pid");

    /// <summary>The exit record (JSON), written by the shim when the container's init exits.</summary>
    public string Exit => Path.Combine(Directory, "exit");

    public string Log => Path.Combine(Directory, "container-json.log");

    public string AttachSocket => Path.Combine(Directory, "attach.sock");

    public string Rootfs => Path.Combine(Directory, "rootfs");

    public string Upper => Path.Combine(Directory, "upper");

    public string Work => Path.Combine(Directory, "work");

    public string Hosts => Path.Combine(Directory, "hosts");

    public string Hostname => Path.Combine(Directory, "hostname");

    public string ResolvConf => Path.Combine(Directory, "resolv.conf");
}
