using System.Text;
using ClusterKit.Shared.Parsing;
using Microsoft.Extensions.Options;

namespace ClusterKit.Manager.Host;

/// <summary>One ck-manager flag: the <see cref="ManagerOptions"/> property it sets and its help.</summary>
internal sealed record ManagerFlag(string Name, string Property, string? Value, string Help, Func<ManagerOptions, object?> Default)
{
    public bool IsSwitch => Value is null;
}

/// <summary>What the command line asked for: help, or settings for <see cref="ManagerOptions"/>.</summary>
internal sealed record ManagerCommandLineResult(bool HelpRequested, IReadOnlyDictionary<string, string?> Settings);

/// <summary>
/// Turns ck-manager's flags into configuration keys of <see cref="ManagerOptions"/> (section
/// "Manager"). Only the syntax is checked here: every flag known, values present and of the
/// property's type; what a value may be is <see cref="ManagerOptionsValidator"/>'s job.
/// </summary>
internal static class ManagerCommandLine
{
    public static readonly IReadOnlyList<ManagerFlag> Flags =
    [
        new("--data-dir", nameof(ManagerOptions.DataDirectory), "DIR", "data directory: identity, raft log, snapshots (absolute)", o => o.DataDirectory),
        new("--raft-address", nameof(ManagerOptions.RaftListenAddress), "IP:PORT", "raft transport address other managers dial (required)", o => o.RaftListenAddress),
        new("--api-address", nameof(ManagerOptions.ApiListenAddress), "IP:PORT", "gRPC API address for ck, workers and managers (required)", o => o.ApiListenAddress),
        new("--socket", nameof(ManagerOptions.Socket), "PATH", "root-only local control socket", _ => ManagerOptions.DefaultSocketPath + "; none with --peers or --cold-start"),
        new("--peers", nameof(ManagerOptions.Peers), "IP:PORT,...", "fixed member list, every manager's raft address (development, benchmarks; no TLS)", o => o.Peers),
        new("--cold-start", nameof(ManagerOptions.ColdStart), null, "fixed one-manager cluster of this manager (development; no TLS)", o => o.ColdStart),
        new("--node-id", nameof(ManagerOptions.NodeId), "ID", "node id, only with --peers or --cold-start", o => o.NodeId),
        new("--snapshot-every", nameof(ManagerOptions.SnapshotEvery), "N", "raft log entries between snapshots", o => o.SnapshotEvery),
        new("--request-timeout-ms", nameof(ManagerOptions.RequestTimeoutMs), "MS", "raft request timeout, at least the upper election timeout", o => o.RequestTimeoutMs),
        new("--election-timeout-ms", nameof(ManagerOptions.ElectionTimeoutMs), "LOWER-UPPER", "raft election timeout range", o => o.ElectionTimeoutMs),
        new("--stuck-follower-after-s", nameof(ManagerOptions.StuckFollowerAfterSeconds), "S", "exit when a follower cannot read this long while a leader is known (0: never)", o => o.StuckFollowerAfterSeconds),
        new("--batch-max", nameof(ManagerOptions.BatchMax), "N", "transactions per raft log entry at most (1: no group commit)", o => o.BatchMax),
        new("--heartbeat-period-ms", nameof(ManagerOptions.HeartbeatPeriodMs), "MS", "worker heartbeat period; a worker is down after 3 missed", o => o.HeartbeatPeriodMs),
        new("--registry-copies", nameof(ManagerOptions.RegistryCopies), "N", "managers that hold each registry blob", o => o.RegistryCopies?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "every manager"),
        new("--registry-ack-timeout", nameof(ManagerOptions.RegistryAckTimeoutSeconds), "SECONDS", "how long a manifest push waits for its blobs on min(2, copies, managers) managers before 503", o => o.RegistryAckTimeoutSeconds),
        new("--io-on-thread-pool", nameof(ManagerOptions.IoOnThreadPool), null, "hand request code from the socket threads to the thread pool (slower large transfers; for code that blocks)", o => o.IoOnThreadPool),
        new("--log-level", nameof(ManagerOptions.LogLevel), "LEVEL", $"one of {string.Join(", ", Enum.GetNames<LogLevel>())}", o => o.LogLevel),
    ];

    private static readonly string[] HelpFlags = ["--help", "-h"];

    /// <summary>Reads the flags; throws <see cref="ArgumentException"/> with a one-line message on bad syntax.</summary>
    public static ManagerCommandLineResult Parse(IReadOnlyList<string> args)
    {
        if (args.Any(a => HelpFlags.Contains(a, StringComparer.Ordinal)))
        {
            return new(true, new Dictionary<string, string?>());
        }

        var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inlineValue) = SplitInline(args[i]);
            var flag = Flags.FirstOrDefault(f => f.Name == name) ?? throw new ArgumentException(Unknown(args[i]));
            string value;
            if (flag.IsSwitch)
            {
                value = inlineValue ?? "true";
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
                throw new ArgumentException($"option {flag.Name} needs a value: {flag.Name} {flag.Value}");
            }

            var key = ManagerOptions.Section + ":" + flag.Property;
            if (!settings.TryAdd(key, value))
            {
                throw new ArgumentException($"option {flag.Name} is given twice; allowed: once");
            }

            CheckType(flag, value);
        }

        return new(false, settings);
    }

    /// <summary>Binds the settings and runs the validator: the options ck-manager starts with.</summary>
    public static ManagerOptions Load(IReadOnlyDictionary<string, string?> settings)
    {
        var options = Bind(settings);
        var result = new ManagerOptionsValidator().Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(ManagerOptions), result.Failures);
        }

        return options;
    }

    public static ManagerOptions Bind(IReadOnlyDictionary<string, string?> settings)
        => new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(ManagerOptions.Section).Get<ManagerOptions>() ?? new ManagerOptions();

    public static string Help()
    {
        var defaults = new ManagerOptions();
        var text = new StringBuilder()
            .AppendLine("usage: ck-manager --raft-address IP:PORT --api-address IP:PORT [options]")
            .AppendLine()
            .AppendLine("A ClusterKit manager. Without --peers or --cold-start it waits on its local socket for")
            .AppendLine("`ck cluster init` or `ck cluster join`, and restarts from the identity in --data-dir.")
            .AppendLine()
            .AppendLine("options:");
        foreach (var flag in Flags)
        {
            var usage = flag.IsSwitch ? flag.Name : $"{flag.Name} {flag.Value}";
            var fallback = flag.Default(defaults) switch
            {
                null => string.Empty,
                bool b => b ? " (default: on)" : " (default: off)",
                var v => $" (default: {v})",
            };
            text.AppendLine($"  {usage,-36} {flag.Help}{fallback}");
        }

        return text.AppendLine($"  {"-h, --help",-36} print this help and exit").ToString();
    }

    private static (string Name, string? Value) SplitInline(string arg)
    {
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        return arg.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? (arg[..equals], arg[(equals + 1)..]) : (arg, null);
    }

    /// <summary>A value the property cannot hold ("12x" for a number) named with its flag.</summary>
    private static void CheckType(ManagerFlag flag, string value)
    {
        try
        {
            Bind(new Dictionary<string, string?> { [ManagerOptions.Section + ":" + flag.Property] = value });
        }
        catch (InvalidOperationException)
        {
            var allowed = flag.IsSwitch ? "true or false" : flag.Property == nameof(ManagerOptions.LogLevel) ? flag.Help : "a whole number";
            throw new ArgumentException($"{flag.Name} '{value}' is invalid; allowed: {allowed}");
        }
    }

    private static string Unknown(string arg)
    {
        if (!arg.StartsWith('-'))
        {
            return $"unexpected argument '{arg}'; ck-manager takes options only (ck-manager --help lists them)";
        }

        var closest = ClosestName.Find(SplitInline(arg).Name, Flags.Select(f => f.Name).Concat(HelpFlags));
        var suggestion = closest is null ? string.Empty : $"; did you mean '{closest}'?";
        return $"unknown option '{arg}'{suggestion} (ck-manager --help lists the options)";
    }
}
