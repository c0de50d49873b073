using System.CommandLine;
using ClusterKit.Proto.Worker.V1;
using ClusterKit.Shared.Parsing;

namespace ClusterKit.Cli.Commands;

/// <summary>The flags of `ck container create` and `run`, and their translation into a ContainerSpec.</summary>
internal sealed class ContainerSpecOptions
{
    public Option<string?> Name { get; } = new("--name") { Description = "Container name (unique on this worker)" };
    public Option<string[]> Env { get; } = Many("--env", "-e", "Environment variable KEY=VALUE, or KEY to take it from this shell");
    public Option<string?> Workdir { get; } = new("--workdir", "-w") { Description = "Working directory inside the container" };
    public Option<string?> User { get; } = new("--user", "-u") { Description = "uid[:gid] or user name" };
    public Option<string?> Hostname { get; } = new("--hostname") { Description = "Container host name" };
    public Option<string?> Entrypoint { get; } = new("--entrypoint") { Description = "Override the image's entrypoint (\"\" clears it)" };
    public Option<string[]> Publish { get; } = Many("--publish", "-p", "Publish a port: [IP:][HOST:]CONTAINER[/tcp|udp]");
    public Option<string> Network { get; } = new("--network") { Description = "bridge, host or none", DefaultValueFactory = _ => "bridge" };
    public Option<string?> Memory { get; } = new("--memory", "-m") { Description = "Memory limit (e.g. 64m, 1g)" };
    public Option<string?> Cpus { get; } = new("--cpus") { Description = "CPU quota in CPUs (e.g. 0.5)" };
    public Option<long?> CpuShares { get; } = new("--cpu-shares", "-c") { Description = "Relative CPU weight" };
    public Option<long?> PidsLimit { get; } = new("--pids-limit") { Description = "Maximum number of processes" };
    public Option<bool> ReadOnly { get; } = new("--read-only") { Description = "Mount the root filesystem read-only" };
    public Option<string[]> Tmpfs { get; } = Many("--tmpfs", null, "Mount a tmpfs: PATH[:OPTIONS]");
    public Option<string[]> Volume { get; } = Many("--volume", "-v", "Bind mount: HOST:CONTAINER[:ro|rw]");
    public Option<string> Restart { get; } = new("--restart") { Description = "no, on-failure[:N], always or unless-stopped", DefaultValueFactory = _ => "no" };
    public Option<int?> StopTimeout { get; } = new("--stop-timeout") { Description = "Seconds to wait after the stop signal before SIGKILL (default 10)" };
    public Option<string?> StopSignal { get; } = new("--stop-signal") { Description = "Signal that stops the container (default SIGTERM)" };
    public Option<string[]> CapAdd { get; } = Many("--cap-add", null, "Add a Linux capability (or ALL)");
    public Option<string[]> CapDrop { get; } = Many("--cap-drop", null, "Drop a Linux capability (or ALL)");
    public Option<string[]> Device { get; } = Many("--device", null, "Give a host device: HOST[:CONTAINER][:PERMISSIONS] (permissions r, w, m; default rwm)");
    public Option<string[]> SecurityOpt { get; } = Many("--security-opt", null, "Security option: no-new-privileges[:true|false]");
    public Option<bool> Tty { get; } = new("--tty", "-t") { Description = "Allocate a pseudo-terminal" };
    public Option<bool> Interactive { get; } = new("--interactive", "-i") { Description = "Keep stdin open" };
    public Option<string[]> Label { get; } = Many("--label", "-l", "Metadata KEY=VALUE");
    public Option<bool> Remove { get; } = new("--rm") { Description = "Remove the container when it exits" };
    public Argument<string> Image { get; } = new("image") { Description = "Image reference (name[:tag] or id)" };
    public Argument<string[]> Command { get; } = new("command") { Description = "Command and arguments", Arity = ArgumentArity.ZeroOrMore };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[]
        {
            Name, Env, Workdir, User, Hostname, Entrypoint, Publish, Network, Memory, Cpus, CpuShares, PidsLimit, ReadOnly,
            Tmpfs, Volume, Restart, StopTimeout, StopSignal, CapAdd, CapDrop, Device, SecurityOpt, Tty, Interactive, Label, Remove,
        })
        {
            command.Options.Add(option);
        }

        command.Arguments.Add(Image);
        command.Arguments.Add(Command);
    }

    /// <summary>Builds the spec; malformed values throw <see cref="SpecFormatException"/> naming the flag.</summary>
    public ContainerSpec ToSpec(ParseResult result)
    {
        var spec = new ContainerSpec
        {
            Image = result.GetValue(Image)!,
            Name = result.GetValue(Name) ?? string.Empty,
            WorkingDir = result.GetValue(Workdir) ?? string.Empty,
            User = result.GetValue(User) ?? string.Empty,
            Hostname = result.GetValue(Hostname) ?? string.Empty,
            NetworkMode = ParseNetwork(result.GetValue(Network)!),
            ReadOnly = result.GetValue(ReadOnly),
            StopTimeoutSeconds = result.GetValue(StopTimeout) ?? -1,
            StopSignal = result.GetValue(StopSignal) ?? string.Empty,
            Tty = result.GetValue(Tty),
            OpenStdin = result.GetValue(Interactive),
            AutoRemove = result.GetValue(Remove),
            CpuShares = result.GetValue(CpuShares) ?? 0,
        };
        spec.Cmd.AddRange(result.GetValue(Command) ?? []);
        if (result.GetValue(Entrypoint) is { } entrypoint)
        {
            spec.EntrypointSet = true;
            if (entrypoint.Length > 0)
            {
                spec.Entrypoint.Add(entrypoint);
            }
        }

        foreach (var env in result.GetValue(Env) ?? [])
        {
            spec.Env.Add(env.Contains('=', StringComparison.Ordinal) ? env : $"{env}={Environment.GetEnvironmentVariable(env)}");
        }

        foreach (var publish in result.GetValue(Publish) ?? [])
        {
            foreach (var port in PortSpec.Parse(publish))
            {
                spec.Ports.Add(new PortMapping
                {
                    HostIp = port.HostIp,
                    HostPort = (uint)port.HostPort,
                    ContainerPort = (uint)port.ContainerPort,
                    Protocol = port.Protocol,
                });
            }
        }

        if (result.GetValue(Memory) is { } memory)
        {
            spec.MemoryBytes = MemorySize.Parse(memory, "--memory");
        }

        if (result.GetValue(Cpus) is { } cpus)
        {
            spec.NanoCpus = CpuQuantity.ParseNanoCpus(cpus, "--cpus");
        }

        if (result.GetValue(PidsLimit) is { } pids)
        {
            if (pids < -1)
            {
                throw new SpecFormatException($"invalid --pids-limit '{pids}': use a positive number, or -1/0 for unlimited");
            }

            spec.PidsLimit = pids;
        }

        foreach (var tmpfs in result.GetValue(Tmpfs) ?? [])
        {
            var parts = tmpfs.Split(':', 2);
            if (!parts[0].StartsWith('/'))
            {
                throw new SpecFormatException($"invalid --tmpfs '{tmpfs}': the path must be absolute (PATH[:OPTIONS])");
            }

            spec.Tmpfs.Add(new TmpfsMount { Target = parts[0], Options = parts.Length > 1 ? parts[1] : string.Empty });
        }

        foreach (var volume in result.GetValue(Volume) ?? [])
        {
            var bind = VolumeSpec.Parse(volume);
            spec.Volumes.Add(new VolumeMount { Source = bind.Source, Target = bind.Target, ReadOnly = bind.ReadOnly });
        }

        var restart = RestartPolicySpec.Parse(result.GetValue(Restart)!);
        spec.Restart = new RestartPolicy { Name = restart.Name, MaxRetries = restart.MaxRetries };
        if (spec.AutoRemove && restart.Name != "no")
        {
            throw new SpecFormatException("--rm and --restart cannot be used together: a container removed on exit cannot be restarted");
        }

        foreach (var device in result.GetValue(Device) ?? [])
        {
            spec.Devices.Add(ParseDevice(device));
        }

        foreach (var option in result.GetValue(SecurityOpt) ?? [])
        {
            spec.NoNewPrivileges = ParseSecurityOption(option);
        }

        spec.CapAdd.AddRange(result.GetValue(CapAdd) ?? []);
        spec.CapDrop.AddRange(result.GetValue(CapDrop) ?? []);
        foreach (var label in result.GetValue(Label) ?? [])
        {
            var parts = label.Split('=', 2);
            spec.Labels[parts[0]] = parts.Length > 1 ? parts[1] : string.Empty;
        }

        return spec;
    }

    /// <summary>Docker's --device HOST[:CONTAINER][:PERMISSIONS]; a second field made only of r, w, m is the permissions.</summary>
    internal static DeviceMapping ParseDevice(string value)
    {
        var parts = value.Split(':');
        var (host, container, permissions) = parts.Length switch
        {
            1 => (parts[0], parts[0], "rwm"),
            2 when IsPermissionSet(parts[1]) => (parts[0], parts[0], parts[1]),
            2 => (parts[0], parts[1], "rwm"),
            3 => (parts[0], parts[1], parts[2]),
            _ => throw new SpecFormatException($"invalid --device '{value}': use HOST[:CONTAINER][:PERMISSIONS]"),
        };
        if (!host.StartsWith('/') || !container.StartsWith('/'))
        {
            throw new SpecFormatException($"invalid --device '{value}': the host and container paths must be absolute (HOST[:CONTAINER][:PERMISSIONS])");
        }

        if (!IsPermissionSet(permissions))
        {
            throw new SpecFormatException($"invalid --device '{value}': permissions '{permissions}' must be a non-empty combination of r, w and m");
        }

        return new DeviceMapping { HostPath = host, ContainerPath = container, Permissions = permissions };
    }

    /// <summary>Docker's no-new-privileges, no-new-privileges:true|false or =true|false; true when set.</summary>
    internal static bool ParseSecurityOption(string value)
    {
        var separator = value.IndexOfAny([':', '=']);
        var name = separator < 0 ? value : value[..separator];
        var setting = separator < 0 ? "true" : value[(separator + 1)..];
        if (name != "no-new-privileges")
        {
            throw new SpecFormatException($"invalid --security-opt '{value}': supported is no-new-privileges[:true|false]");
        }

        return setting switch
        {
            "true" => true,
            "false" => false,
            _ => throw new SpecFormatException($"invalid --security-opt '{value}': no-new-privileges takes true or false"),
        };
    }

    private static bool IsPermissionSet(string permissions) =>
        permissions is { Length: > 0 and <= 3 } && permissions.All(c => c is 'r' or 'w' or 'm') && permissions.Distinct().Count() == permissions.Length;

    private static string ParseNetwork(string network) => network switch
    {
        "bridge" or "host" or "none" => network,
        _ => throw new SpecFormatException($"invalid --network '{network}': use bridge, host or none"),
    };

    private static Option<string[]> Many(string name, string? alias, string description)
    {
        var option = alias is null ? new Option<string[]>(name) : new Option<string[]>(name, alias);
        option.Description = description;
        option.Arity = ArgumentArity.ZeroOrMore;
        option.AllowMultipleArgumentsPerToken = false;
        return option;
    }
}
