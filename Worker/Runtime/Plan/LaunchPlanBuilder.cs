using System.Text.RegularExpressions;
using ClusterKit.Worker.Runtime.Security;
using ClusterKit.Worker.Runtime.Users;

namespace ClusterKit.Worker.Runtime.Plan;

/// <summary>Turns a <see cref="ContainerLaunch"/> (after the user is resolved) into the helper's plan. Pure.</summary>
internal static partial class LaunchPlanBuilder
{
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    public const string CgroupLabel = "cgroup";
    public const string IdLabel = "id";
    public const string OverlayLabel = "overlay";
    public const string BootIdLabel = "boot-id";

    /// <summary>sun_path holds 108 bytes, the terminating NUL included.</summary>
    private const int MaxSocketPath = 107;

    private static readonly Lazy<byte[]> DefaultSeccomp = new(() => SeccompCompiler.ToBytes(SeccompCompiler.Compile(SeccompProfile.DockerDefault)));

    public static LaunchPlan Build(
        ContainerLaunch launch,
        ContainerPaths paths,
        string rootfs,
        ResolvedUser user,
        IReadOnlyList<string> cgroupProcs,
        IReadOnlyDictionary<string, string> labels,
        IReadOnlyList<ResolvedDevice>? devices = null)
    {
        Validate(launch, paths);
        var hostname = launch.Hostname ?? launch.Id[..Math.Min(12, launch.Id.Length)];
        var steps = new List<PlanStep>(DefaultContainerMounts.Steps)
        {
            new PlanMount(paths.Hostname, "/etc/hostname", string.Empty, LinuxMount.Bind, string.Empty),
        };
        if (launch.HostsFile is not null)
        {
            steps.Add(new PlanMount(paths.Hosts, "/etc/hosts", string.Empty, LinuxMount.Bind, string.Empty));
        }

        if (launch.ResolvConf is not null)
        {
            steps.Add(new PlanMount(paths.ResolvConf, "/etc/resolv.conf", string.Empty, LinuxMount.Bind, string.Empty));
        }

        foreach (var bind in launch.Binds)
        {
            var flags = LinuxMount.Bind | LinuxMount.Recursive | (bind.ReadOnly ? LinuxMount.ReadOnly : 0);
            steps.Add(new PlanMount(bind.Source, bind.Target, string.Empty, flags, string.Empty));
        }

        foreach (var tmpfs in launch.Tmpfs)
        {
            var (flags, data) = LinuxMount.ParseTmpfsOptions(tmpfs.Options);
            steps.Add(new PlanMount("tmpfs", tmpfs.Target, "tmpfs", flags, data));
        }

        foreach (var device in devices ?? [])
        {
            steps.Add(new PlanDevice(device.Mapping.ContainerPath, device.Node.Type, device.Node.Major, device.Node.Minor, device.Node.Mode));
        }

        var capabilitySet = Capabilities.Resolve(launch.CapAdd, launch.CapDrop);
        return new LaunchPlan
        {
            Labels = labels,
            StateDirectory = paths.RunDirectory,
            Rootfs = rootfs,
            Hostname = hostname,
            NewNetwork = launch.Network == ContainerNetworkMode.Isolated,
            Tty = launch.Tty,
            OpenStdin = launch.OpenStdin,
            ReadOnlyRootfs = launch.ReadOnlyRootfs,
            NoNewPrivileges = launch.NoNewPrivileges,
            CgroupNamespace = true,
            CgroupProcs = cgroupProcs,
            Steps = steps,
            Masked = DefaultContainerMounts.MaskedPaths,
            ReadOnlyPaths = DefaultContainerMounts.ReadOnlyPaths,
            Rlimits = launch.Rlimits.Select(Rlimits.ToPlan).ToList(),
            Uid = user.Uid,
            Gid = user.Gid,
            Groups = user.AdditionalGids,
            Capabilities = ProcessCapabilities.For(capabilitySet, user.Uid),
            Seccomp = launch.SeccompUnconfined ? null : DefaultSeccomp.Value,
            Env = BuildEnv(launch.Env, hostname, launch.Tty, user.Home),
            Cwd = launch.WorkingDirectory,
            Args = launch.Args,
            LogPath = paths.Log,
            LogMaxSize = launch.LogMaxSizeBytes,
            LogMaxFiles = launch.LogMaxFiles,
            AttachSocket = paths.AttachSocket,
        };
    }

    /// <summary>The plan of an exec: the container's security and cgroups, the command's own process settings.</summary>
    public static LaunchPlan BuildExec(LaunchPlan container, int initPid, ExecOptions options, ResolvedUser? user)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Args.Count == 0)
        {
            throw new ArgumentException("exec needs a command: Args is empty", nameof(options));
        }

        ValidateEnv(options.Env);
        var cwd = options.WorkingDirectory ?? container.Cwd;
        if (!cwd.StartsWith('/'))
        {
            throw new ArgumentException($"exec working directory \"{cwd}\" must be an absolute path", nameof(options));
        }

        var uid = user?.Uid ?? container.Uid;
        var capabilities = container.Capabilities is { } c && user is not null
            ? ProcessCapabilities.For(c.Bounding, user.Uid)
            : container.Capabilities;
        return new LaunchPlan
        {
            TargetPid = initPid,
            Tty = options.Tty,
            TerminalSize = options.Tty ? options.TerminalSize : null,
            NoNewPrivileges = container.NoNewPrivileges,
            CgroupProcs = container.CgroupProcs,
            Rlimits = container.Rlimits,
            Uid = uid,
            Gid = user?.Gid ?? container.Gid,
            Groups = user?.AdditionalGids ?? container.Groups,
            Capabilities = capabilities,
            Seccomp = container.Seccomp,
            Env = MergeEnv(container.Env.Concat(options.Env)),
            Cwd = cwd,
            Args = options.Args,
        };
    }

    public static void Validate(ContainerLaunch launch, ContainerPaths paths)
    {
        ArgumentNullException.ThrowIfNull(launch);
        ArgumentNullException.ThrowIfNull(paths);
        if (!IdPattern().IsMatch(launch.Id))
        {
            throw new ArgumentException($"container id \"{launch.Id}\" is invalid: use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit", nameof(launch));
        }

        if (launch.Args.Count == 0 || launch.Args[0].Length == 0)
        {
            throw new ArgumentException($"container {launch.Id}: Args is empty; a container needs a command", nameof(launch));
        }

        if (launch.Hostname is { } h && !HostnamePattern().IsMatch(h))
        {
            throw new ArgumentException($"container {launch.Id}: hostname \"{h}\" is invalid: 1-63 letters, digits and '-' per label, at most 253 characters", nameof(launch));
        }

        RequireAbsolute(launch.Id, "working directory", launch.WorkingDirectory);
        try
        {
            ContainerMountRules.Validate(launch.Binds, launch.Tmpfs, launch.Devices);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"container {launch.Id}: {e.Message}", nameof(launch), e);
        }

        ValidateEnv(launch.Env);
        if (launch.LogMaxFiles < 1)
        {
            throw new ArgumentException($"container {launch.Id}: log max-file is {launch.LogMaxFiles}; it must be at least 1", nameof(launch));
        }

        if (launch.LogMaxSizeBytes < 0)
        {
            throw new ArgumentException($"container {launch.Id}: log max-size is {launch.LogMaxSizeBytes}; it must be 0 (no rotation) or more", nameof(launch));
        }

        if (System.Text.Encoding.UTF8.GetByteCount(paths.AttachSocket) > MaxSocketPath)
        {
            throw new ArgumentException($"container {launch.Id}: the attach socket path \"{paths.AttachSocket}\" is longer than {MaxSocketPath} bytes; use a shorter container directory", nameof(launch));
        }
    }

    private static void ValidateEnv(IEnumerable<string> env)
    {
        foreach (var entry in env)
        {
            if (entry.IndexOf('=', StringComparison.Ordinal) <= 0 || entry.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"environment entry \"{entry}\" is invalid: use KEY=VALUE with a non-empty KEY and no NUL", nameof(env));
            }
        }
    }

    private static void RequireAbsolute(string id, string what, string path)
    {
        if (string.IsNullOrEmpty(path) || !path.StartsWith('/') || path.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"container {id}: {what} \"{path}\" must be an absolute path", nameof(path));
        }
    }

    private static List<string> BuildEnv(IReadOnlyList<string> env, string hostname, bool tty, string home)
    {
        var defaults = new List<string> { "PATH=" + DefaultPath, "HOSTNAME=" + hostname };
        if (tty)
        {
            defaults.Add("TERM=xterm");
        }

        var merged = MergeEnv(defaults.Concat(env));
        if (!merged.Any(e => e.StartsWith("HOME=", StringComparison.Ordinal)))
        {
            merged.Add("HOME=" + home);
        }

        return merged;
    }

    /// <summary>Later entries replace earlier ones with the same key, keeping the first one's position.</summary>
    private static List<string> MergeEnv(IEnumerable<string> env)
    {
        var keys = new Dictionary<string, int>(StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var entry in env)
        {
            var key = entry[..entry.IndexOf('=', StringComparison.Ordinal)];
            if (keys.TryGetValue(key, out var index))
            {
                result[index] = entry;
            }
            else
            {
                keys[key] = result.Count;
                result.Add(entry);
            }
        }

        return result;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")]
    private static partial Regex HostnamePattern();
}
