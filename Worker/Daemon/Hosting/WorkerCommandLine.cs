using System.Globalization;
using System.Text;
using ClusterKit.Shared.Parsing;

namespace ClusterKit.Worker.Hosting;

/// <summary>
/// ck-worker's command line: every option the daemon takes, its configuration key, its
/// default and what it means, in one table. Parsing is strict (an unknown or misspelled
/// option is refused with the closest known one) because a worker started with another
/// installation's defaults (bridge, subnet, nftables table) would fight it for them.
/// </summary>
public static class WorkerCommandLine
{
    private enum Shape
    {
        Value,
        Flag,
        List,
        Map,
    }

    private sealed record OptionInfo(string Switch, string Key, string Placeholder, Shape Shape, string Description, Func<WorkerOptions, string> Default);

    private static readonly OptionInfo[] Options =
    [
        new("--data-root", "DataRoot", "PATH", Shape.Value, "root of the worker's state: images, containers, logs", o => o.DataRoot),
        new("--run-root", "RunRoot", "PATH", Shape.Value, "root of what a reboot ends (run directories on a tmpfs)", o => o.RunRoot),
        new("--socket", "Socket", "PATH", Shape.Value, "the root-only control socket ck talks to", o => o.Socket),
        new("--cgroup-parent", "CgroupParent", "NAME", Shape.Value, "parent cgroup of the containers", o => o.CgroupParent),
        new("--bridge-name", "BridgeName", "NAME", Shape.Value, "host bridge for bridge-mode containers", o => o.BridgeName),
        new("--bridge-subnet", "BridgeSubnet", "CIDR", Shape.Value, "the bridge's IPv4 subnet; its first address is the gateway", o => o.BridgeSubnet),
        new("--nft-table", "NftablesTable", "NAME", Shape.Value, "ClusterKit's own nftables table (published ports, NAT)", o => o.NftablesTable),
        new("--log-max-bytes", "LogMaxBytes", "N", Shape.Value, "rotate a container's log at this size", o => o.LogMaxBytes.ToString(CultureInfo.InvariantCulture)),
        new("--log-max-files", "LogMaxFiles", "N", Shape.Value, "log files kept per container, the live one included", o => o.LogMaxFiles.ToString(CultureInfo.InvariantCulture)),
        new("--max-unpacked-bytes", "MaxUnpackedBytes", "N", Shape.Value, "the most one imported or loaded archive, or one layer, may unpack to", o => o.MaxUnpackedBytes.ToString(CultureInfo.InvariantCulture)),
        new("--stop-timeout", "DefaultStopTimeoutSeconds", "SECONDS", Shape.Value, "grace between the stop signal and SIGKILL", o => o.DefaultStopTimeoutSeconds.ToString(CultureInfo.InvariantCulture)),
        new("--fallback-dns", "FallbackDns", "IP[,IP...]", Shape.List, "resolvers for containers when the host's point at loopback", o => string.Join(',', o.EffectiveFallbackDns)),
        new("--stop-containers-on-exit", "StopContainersOnExit", string.Empty, Shape.Flag, "stop the containers when the worker stops, instead of leaving them running for the next start to adopt", o => o.StopContainersOnExit ? "on" : "off"),
        new("--manager", "Managers", "HOST:PORT[,...]", Shape.Value, "managers' API addresses; none: a standalone worker", _ => "none"),
        new("--node-id", "NodeId", "ID", Shape.Value, "this node's id in the cluster (with --manager)", _ => "none"),
        new("--node-label", "NodeLabels", "KEY=VALUE", Shape.Map, "a label the node registers with (repeatable)", _ => "none"),
    ];

    /// <summary>
    /// What the command line asks for: help, an error, or the configuration entries it sets;
    /// <see cref="Cleanup"/> for `ck-worker cleanup` (with <see cref="Purge"/>: the data root too).
    /// </summary>
    public sealed record Result(bool HelpRequested, string? Error, IReadOnlyDictionary<string, string?> Settings)
    {
        public bool Cleanup { get; init; }

        public bool Purge { get; init; }
    }

    public static Result Parse(IReadOnlyList<string> args)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
        var lists = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var cleanup = args.Count > 0 && args[0] == "cleanup";
        var purge = false;
        for (var i = cleanup ? 1 : 0; i < args.Count; i++)
        {
            var argument = args[i];
            if (argument is "--help" or "-h" or "-?")
            {
                return new Result(true, null, settings) { Cleanup = cleanup };
            }

            if (cleanup && argument == "--purge")
            {
                purge = true;
                continue;
            }

            var (name, inlineValue) = Split(argument);
            var option = Array.Find(Options, o => o.Switch == name);
            if (option is null)
            {
                return Fail(Unknown(argument));
            }

            string value;
            if (option.Shape == Shape.Flag)
            {
                value = inlineValue ?? "true";
                if (!bool.TryParse(value, out _))
                {
                    return Fail($"option {option.Switch} takes no value (or =true, =false), not '{value}'");
                }
            }
            else if (inlineValue is not null)
            {
                value = inlineValue;
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }
            else
            {
                return Fail($"option {option.Switch} needs a value: {option.Switch} {option.Placeholder}");
            }

            var key = $"{WorkerOptions.Section}:{option.Key}";
            switch (option.Shape)
            {
                case Shape.Value or Shape.Flag:
                    settings[key] = value;
                    break;
                case Shape.List:
                    var items = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (items.Length == 0)
                    {
                        return Fail($"option {option.Switch} is empty: {option.Switch} {option.Placeholder}");
                    }

                    lists[key] = [.. items];
                    break;
                case Shape.Map:
                    var equals = value.IndexOf('=', StringComparison.Ordinal);
                    if (equals <= 0)
                    {
                        return Fail($"option {option.Switch} '{value}' is not KEY=VALUE");
                    }

                    settings[$"{key}:{value[..equals]}"] = value[(equals + 1)..];
                    break;
            }
        }

        foreach (var (key, items) in lists)
        {
            for (var n = 0; n < items.Count; n++)
            {
                settings[$"{key}:{n}"] = items[n];
            }
        }

        return new Result(false, null, settings) { Cleanup = cleanup, Purge = purge };
    }

    public static string Usage()
    {
        var defaults = new WorkerOptions();
        var text = new StringBuilder();
        text.AppendLine("Usage: ck-worker [OPTIONS]");
        text.AppendLine("       ck-worker cleanup [--purge] [OPTIONS]");
        text.AppendLine();
        text.AppendLine("Runs the ClusterKit worker daemon in the foreground: containers, images, the host's");
        text.AppendLine("bridge and nftables table, and (with --manager) a session with the cluster's managers.");
        text.AppendLine("SIGTERM or SIGINT stops it; its containers keep running unless --stop-containers-on-exit.");
        text.AppendLine();
        text.AppendLine("cleanup removes what a stopped worker with these options made on this host, and nothing");
        text.AppendLine("else: its containers and their cgroups, its mounts, bridge, veths, nftables table and run");
        text.AppendLine("root; --purge also removes the data root (images, container records, logs).");
        text.AppendLine();
        text.AppendLine("Options:");
        var width = Options.Max(o => Head(o).Length) + 2;
        foreach (var option in Options)
        {
            var head = Head(option);
            text.Append("  ").Append(head.PadRight(width)).Append(option.Description)
                .Append(" (default: ").Append(option.Default(defaults)).AppendLine(")");
        }

        text.Append("  ").Append("-h, --help".PadRight(width)).AppendLine("print this help and exit");
        text.AppendLine();
        text.AppendLine("Each option can also come from the environment: CK_Worker__<Key> (e.g. CK_Worker__DataRoot).");
        return text.ToString();
    }

    private static string Head(OptionInfo option) => option.Placeholder.Length == 0 ? option.Switch : $"{option.Switch} {option.Placeholder}";

    private static (string Name, string? Value) Split(string argument)
    {
        var equals = argument.IndexOf('=', StringComparison.Ordinal);
        return argument.StartsWith("--", StringComparison.Ordinal) && equals > 0
            ? (argument[..equals], argument[(equals + 1)..])
            : (argument, null);
    }

    private static string Unknown(string argument)
    {
        if (!argument.StartsWith('-'))
        {
            return $"unexpected argument '{argument}': ck-worker takes only options (ck-worker --help lists them)";
        }

        var name = Split(argument).Name;
        var hint = ClosestName.Find(name, Options.Select(o => o.Switch)) is { } closest ? $"; did you mean {closest}?" : string.Empty;
        return $"unknown option '{name}'{hint} (ck-worker --help lists the options)";
    }

    private static Result Fail(string error) => new(false, error, new Dictionary<string, string?>());
}
