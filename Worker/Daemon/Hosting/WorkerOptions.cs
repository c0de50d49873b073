using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ClusterKit.Worker.Hosting;

/// <summary>Where the worker keeps its state and how it is reached; validated at start.</summary>
public sealed class WorkerOptions
{
    public const string Section = "Worker";

    /// <summary>Root of all state: images, containers, logs.</summary>
    [Required]
    public string DataRoot { get; set; } = "/var/lib/clusterkit";

    /// <summary>
    /// Root of the state a reboot ends: per container its plan, pid and exit records, attach
    /// socket, hostname/hosts/resolv.conf and rootfs mount point, under RunRoot/containers. That
    /// directory is kept on a tmpfs (the worker mounts one there if it is on another file
    /// system): starting a container then writes nothing to disk but its record and overlay dirs.
    /// </summary>
    [Required]
    public string RunRoot { get; set; } = "/run/clusterkit";

    /// <summary>The root-only control socket `ck` talks to.</summary>
    [Required]
    public string Socket { get; set; } = "/run/clusterkit/worker.sock";

    /// <summary>Name of this worker's parent cgroup.</summary>
    [Required]
    public string CgroupParent { get; set; } = "clusterkit";

    /// <summary>Host bridge for bridge-mode containers.</summary>
    [Required]
    public string BridgeName { get; set; } = "ck0";

    /// <summary>The bridge's subnet (CIDR); its first address is the gateway.</summary>
    [Required]
    public string BridgeSubnet { get; set; } = "10.88.0.0/16";

    /// <summary>ClusterKit's own nftables table.</summary>
    [Required]
    public string NftablesTable { get; set; } = "clusterkit";

    /// <summary>Rotate a container's json log at this size.</summary>
    [Range(4096, long.MaxValue)]
    public long LogMaxBytes { get; set; } = 10 << 20;

    /// <summary>Keep this many log files per container (the live one included).</summary>
    [Range(1, 100)]
    public int LogMaxFiles { get; set; } = 3;

    /// <summary>The most bytes one imported or loaded archive, or one of its layers, may unpack to (a gzip bomb stops there).</summary>
    [Range(1 << 20, long.MaxValue)]
    public long MaxUnpackedBytes { get; set; } = Images.Layers.UnpackLimit.Default.MaxBytes;

    /// <summary>Default grace period between the stop signal and SIGKILL.</summary>
    [Range(0, 3600)]
    public int DefaultStopTimeoutSeconds { get; set; } = 10;

    /// <summary>Upstream resolvers written into containers' /etc/resolv.conf when the host's points at loopback.</summary>
    /// <remarks>Empty means <see cref="DefaultFallbackDns"/>: a list default would be appended to, not replaced, by configuration binding.</remarks>
    public string[] FallbackDns { get; set; } = [];

    public static IReadOnlyList<string> DefaultFallbackDns { get; } = ["1.1.1.1", "8.8.8.8"];

    /// <summary>The resolvers in force: the configured ones, else the defaults.</summary>
    public IReadOnlyList<string> EffectiveFallbackDns => FallbackDns.Length > 0 ? FallbackDns : DefaultFallbackDns;

    /// <summary>Stop every container when the worker stops; by default they keep running and are re-adopted at the next start.</summary>
    public bool StopContainersOnExit { get; set; }

    /// <summary>Managers' API addresses, HOST:PORT[,HOST:PORT...]; empty: a standalone worker with no session.</summary>
    public string? Managers { get; set; }

    /// <summary>This node's id in the cluster (required with <see cref="Managers"/>).</summary>
    public string? NodeId { get; set; }

    /// <summary>Labels the node registers with (engine labels).</summary>
    public Dictionary<string, string> NodeLabels { get; set; } = new(StringComparer.Ordinal);

    public string ContainersDirectory => Path.Combine(DataRoot, "containers");

    /// <summary>The containers' run directories (a tmpfs).</summary>
    public string ContainersRunDirectory => Path.Combine(RunRoot, "containers");

    /// <summary>The managers' latest list, kept for the next start.</summary>
    public string ManagerListPath => Path.Combine(DataRoot, "session", "managers");

    public string ImagesDirectory => Path.Combine(DataRoot, "images");
}

/// <summary>Cross-field checks the attributes cannot express.</summary>
internal sealed class WorkerOptionsValidator : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions options)
    {
        var failures = new List<string>();
        if (!Path.IsPathRooted(options.DataRoot))
        {
            failures.Add($"Worker:DataRoot '{options.DataRoot}' must be an absolute path");
        }

        if (!Path.IsPathRooted(options.RunRoot))
        {
            failures.Add($"Worker:RunRoot '{options.RunRoot}' must be an absolute path");
        }

        if (!Path.IsPathRooted(options.Socket))
        {
            failures.Add($"Worker:Socket '{options.Socket}' must be an absolute path");
        }

        if (options.BridgeName.Length is 0 or > 15)
        {
            failures.Add($"Worker:BridgeName '{options.BridgeName}' must be 1 to 15 characters (a Linux interface name)");
        }

        if (!System.Net.IPNetwork.TryParse(options.BridgeSubnet, out var subnet) || subnet.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || subnet.PrefixLength > 30)
        {
            failures.Add($"Worker:BridgeSubnet '{options.BridgeSubnet}' must be an IPv4 CIDR of /30 or larger, e.g. 10.88.0.0/16");
        }

        failures.AddRange(Session.SessionOptionsCheck.Failures(options));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
