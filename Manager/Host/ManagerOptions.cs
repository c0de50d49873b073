using System.Globalization;
using System.Net;
using ClusterKit.Manager.Store.Raft;

namespace ClusterKit.Manager.Host;

/// <summary>The command line of ck-manager, parsed and checked before anything starts.</summary>
public sealed class ManagerOptions
{
    public const string Usage =
        "usage: ck-manager --data-dir DIR --raft-address HOST:PORT --api-address HOST:PORT [--socket PATH] " +
        "[--node-id ID (--peers HOST:PORT,HOST:PORT,... | --cold-start)] [--snapshot-every N] [--request-timeout-ms MS] " +
        "[--election-timeout-ms LOWER-UPPER] [--stuck-follower-after-s S] [--batch-max N] [--heartbeat-period-ms MS] [--log-level LEVEL]";

    /// <summary>Only with a fixed member list; otherwise the cluster gives the id at init or join.</summary>
    public string? NodeId { get; init; }

    /// <summary>
    /// The root-only local control socket (`ck cluster init|join` and operators on this host);
    /// with a fixed member list there is none unless --socket asks for one.
    /// </summary>
    public string? SocketPath { get; init; }

    public const string DefaultSocketPath = "/run/clusterkit/manager.sock";

    public required string DataDirectory { get; init; }

    public required IPEndPoint RaftEndPoint { get; init; }

    public required IPEndPoint ApiEndPoint { get; init; }

    /// <summary>Every manager's raft address, this one's included.</summary>
    public required IReadOnlyList<IPEndPoint> Members { get; init; }

    public bool ColdStart { get; init; }

    /// <summary>Started with a fixed member list (--peers or --cold-start): no certificates, for benchmarks and development.</summary>
    public bool IsFixedMembership => Members.Count > 0;

    public long SnapshotEvery { get; init; } = 50_000;

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public int LowerElectionTimeoutMs { get; init; } = 150;

    public int UpperElectionTimeoutMs { get; init; } = 300;

    public TimeSpan StuckFollowerAfter { get; init; } = TimeSpan.FromSeconds(30);

    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>Transactions in one log entry at most (1 turns group commit off, for comparison).</summary>
    public int BatchMax { get; init; } = new GroupCommitOptions().MaxTransactions;

    /// <summary>How often workers heartbeat (pushed to them); a node is down after 3 missed periods.</summary>
    public TimeSpan HeartbeatPeriod { get; init; } = TimeSpan.FromSeconds(5);

    public string ApiAddress => ApiEndPoint.ToString();

    public RaftNodeOptions ToRaftOptions() => ToRaftOptions(NodeId ?? string.Empty, RaftBootstrap.FixedMembers, security: null);

    /// <summary>The Raft options of a manager with a cluster identity: its id from its certificate, mutual TLS.</summary>
    internal RaftNodeOptions ToRaftOptions(string nodeId, RaftBootstrap bootstrap, Membership.ManagerTls? security) => new()
    {
        NodeId = nodeId,
        DataDirectory = DataDirectory,
        RaftEndPoint = RaftEndPoint,
        ApiAddress = ApiAddress,
        Members = bootstrap == RaftBootstrap.FixedMembers ? Members : [],
        Bootstrap = bootstrap,
        TransportSecurity = security is null ? null : new DotNext.Net.Security.SslOptions
        {
            ServerOptions = security.RaftServerOptions(),
            ClientOptions = security.RaftClientOptions(),
        },
        ApiChannelFactory = security is null ? null : security.ManagerChannel,
        SnapshotEvery = SnapshotEvery,
        RequestTimeout = RequestTimeout,
        LowerElectionTimeoutMs = LowerElectionTimeoutMs,
        UpperElectionTimeoutMs = UpperElectionTimeoutMs,
        StuckFollowerAfter = StuckFollowerAfter,
        GroupCommit = new GroupCommitOptions { MaxTransactions = BatchMax },
    };

    /// <summary>Parses and validates; throws <see cref="ArgumentException"/> with a one-line message on bad input.</summary>
    public static ManagerOptions Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var coldStart = false;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name == "--cold-start")
            {
                coldStart = true;
                continue;
            }

            if (!KnownValueOptions.Contains(name))
            {
                throw new ArgumentException($"option '{name}' is unknown; allowed: {string.Join(", ", KnownValueOptions)}, --cold-start");
            }

            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"option {name} needs a value");
            }

            if (!values.TryAdd(name, args[++i]))
            {
                throw new ArgumentException($"option {name} is given twice; allowed: once");
            }
        }

        values.TryGetValue("--node-id", out var nodeId);
        var dataDir = Required(values, "--data-dir");
        if (!Path.IsPathFullyQualified(dataDir))
        {
            throw new ArgumentException($"--data-dir '{dataDir}' is not an absolute path; allowed: an absolute path");
        }

        var raft = ParseEndPoint("--raft-address", Required(values, "--raft-address"));
        var api = ParseEndPoint("--api-address", Required(values, "--api-address"));
        if (raft.Equals(api))
        {
            throw new ArgumentException($"--raft-address and --api-address are both {raft}; allowed: two different addresses");
        }

        IReadOnlyList<IPEndPoint> members;
        if (values.TryGetValue("--peers", out var peers))
        {
            if (coldStart)
            {
                throw new ArgumentException("--peers and --cold-start were both given; allowed: one of them (--cold-start bootstraps a one-manager cluster)");
            }

            members = [.. peers.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(p => ParseEndPoint("--peers", p))];
        }
        else if (coldStart)
        {
            members = [raft];
        }
        else
        {
            // The cluster identity decides: from the data directory, or from `ck cluster init|join` later.
            members = [];
            if (nodeId is not null)
            {
                throw new ArgumentException("--node-id was given without --peers or --cold-start; allowed: --node-id only with a fixed member list (otherwise the cluster gives the id at `ck cluster init` or `ck cluster join`)");
            }
        }

        if (members.Count > 0 && string.IsNullOrWhiteSpace(nodeId))
        {
            throw new ArgumentException("option --node-id is required with --peers or --cold-start");
        }

        var socket = values.TryGetValue("--socket", out var socketPath) ? socketPath : members.Count > 0 ? null : DefaultSocketPath;
        if (socket is not null && (!Path.IsPathFullyQualified(socket) || System.Text.Encoding.UTF8.GetByteCount(socket) > 107))
        {
            throw new ArgumentException($"--socket '{socket}' is invalid; allowed: an absolute path of at most 107 bytes");
        }

        var (lower, upper) = values.TryGetValue("--election-timeout-ms", out var election) ? ParseRange(election) : (150, 300);
        var options = new ManagerOptions
        {
            NodeId = nodeId,
            DataDirectory = dataDir,
            RaftEndPoint = raft,
            ApiEndPoint = api,
            Members = members,
            ColdStart = coldStart,
            SocketPath = socket,
            SnapshotEvery = values.TryGetValue("--snapshot-every", out var every) ? ParsePositive("--snapshot-every", every) : 50_000,
            RequestTimeout = values.TryGetValue("--request-timeout-ms", out var rt) ? TimeSpan.FromMilliseconds(ParsePositive("--request-timeout-ms", rt)) : TimeSpan.FromSeconds(5),
            LowerElectionTimeoutMs = lower,
            UpperElectionTimeoutMs = upper,
            StuckFollowerAfter = values.TryGetValue("--stuck-follower-after-s", out var stuck)
                ? TimeSpan.FromSeconds(ParsePositive("--stuck-follower-after-s", stuck))
                : TimeSpan.FromSeconds(30),
            LogLevel = values.TryGetValue("--log-level", out var level) ? ParseLevel(level) : LogLevel.Information,
            BatchMax = values.TryGetValue("--batch-max", out var batchMax)
                ? (int)Math.Min(ParsePositive("--batch-max", batchMax), int.MaxValue)
                : new GroupCommitOptions().MaxTransactions,
            HeartbeatPeriod = values.TryGetValue("--heartbeat-period-ms", out var heartbeat)
                ? TimeSpan.FromMilliseconds(ParsePositive("--heartbeat-period-ms", heartbeat))
                : TimeSpan.FromSeconds(5),
        };

        // The Raft-level rules (member count, self in the list, timeouts) live with the Raft options.
        if (options.IsFixedMembership)
        {
            options.ToRaftOptions().Validate();
        }
        else
        {
            options.ToRaftOptions("validating", RaftBootstrap.Join, security: null).Validate();
        }

        return options;
    }

    private static readonly string[] KnownValueOptions =
    [
        "--node-id", "--data-dir", "--raft-address", "--api-address", "--peers", "--snapshot-every",
        "--request-timeout-ms", "--election-timeout-ms", "--stuck-follower-after-s", "--batch-max", "--log-level",
        "--heartbeat-period-ms", "--socket",
    ];

    private static string Required(Dictionary<string, string> values, string name)
        => values.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value)
            ? value
            : throw new ArgumentException($"option {name} is required");

    internal static IPEndPoint ParseEndPoint(string option, string text)
    {
        if (!IPEndPoint.TryParse(text, out var endPoint) || endPoint.Port == 0 || !text.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException($"{option} '{text}' is not an address; allowed: IP:PORT with a port from 1 to 65535, e.g. 127.0.0.1:4001");
        }

        return endPoint;
    }

    private static long ParsePositive(string option, string text)
        => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{option} '{text}' is invalid; allowed: a whole number above 0");

    private static (int Lower, int Upper) ParseRange(string text)
    {
        var parts = text.Split('-');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var lower)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var upper))
        {
            return (lower, upper);
        }

        throw new ArgumentException($"--election-timeout-ms '{text}' is invalid; allowed: LOWER-UPPER in milliseconds, e.g. 150-300");
    }

    private static LogLevel ParseLevel(string text)
        => Enum.TryParse<LogLevel>(text, ignoreCase: true, out var level) && Enum.IsDefined(level)
            ? level
            : throw new ArgumentException($"--log-level '{text}' is invalid; allowed: {string.Join(", ", Enum.GetNames<LogLevel>())}");
}
