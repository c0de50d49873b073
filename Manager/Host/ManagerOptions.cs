using System.Net;
using ClusterKit.Manager.Registry.Replication;
using ClusterKit.Manager.Store.Raft;

namespace ClusterKit.Manager.Host;

/// <summary>
/// ck-manager's settings, bound from its command line (<see cref="ManagerCommandLine"/>) and
/// checked by <see cref="ManagerOptionsValidator"/> before anything starts. Every default is here.
/// </summary>
public sealed class ManagerOptions
{
    public const string Section = "Manager";

    public const string DefaultSocketPath = "/run/clusterkit/manager.sock";

    /// <summary>Only with a fixed member list; otherwise the cluster gives the id at init or join.</summary>
    public string? NodeId { get; set; }

    /// <summary>The manager's data root: identity, raft log, snapshots.</summary>
    public string DataDirectory { get; set; } = "/var/lib/clusterkit/manager";

    /// <summary>IP:PORT the Raft transport listens on and other managers dial.</summary>
    public string? RaftListenAddress { get; set; }

    /// <summary>IP:PORT of the gRPC API (ck, workers, forwarding managers).</summary>
    public string? ApiListenAddress { get; set; }

    /// <summary>
    /// The root-only local control socket (`ck cluster init|join` and operators on this host);
    /// unset: <see cref="DefaultSocketPath"/>, or none with a fixed member list.
    /// </summary>
    public string? Socket { get; set; }

    /// <summary>Every manager's raft address, this one's included, comma-separated (fixed membership).</summary>
    public string? Peers { get; set; }

    /// <summary>A fixed one-manager cluster of this manager alone.</summary>
    public bool ColdStart { get; set; }

    /// <summary>
    /// Run request code on the thread pool, handed over from the socket threads (Kestrel's default), instead of on the
    /// socket thread that completed the read or write (ADR 0016, "Socket threads run request code").
    /// </summary>
    public bool IoOnThreadPool { get; set; }

    /// <summary>Log entries between snapshots.</summary>
    public long SnapshotEvery { get; set; } = 50_000;

    public int RequestTimeoutMs { get; set; } = 5000;

    /// <summary>LOWER-UPPER in milliseconds.</summary>
    public string ElectionTimeoutMs { get; set; } = "150-300";

    /// <summary>A follower whose read barrier fails this long while a leader is known exits (0: never).</summary>
    public int StuckFollowerAfterSeconds { get; set; } = 30;

    /// <summary>Transactions in one log entry at most (1 turns group commit off, for comparison).</summary>
    public int BatchMax { get; set; } = new GroupCommitOptions().MaxTransactions;

    /// <summary>How often workers heartbeat (pushed to them); a node is down after 3 missed periods.</summary>
    public int HeartbeatPeriodMs { get; set; } = 5000;

    public LogLevel LogLevel { get; set; } = LogLevel.Information;

    /// <summary>How many managers hold each registry blob; null (the default) for every manager.</summary>
    public int? RegistryCopies { get; set; }

    /// <summary>
    /// How long a manifest put waits for its blobs to be on min(2, copies, managers) managers before it answers 503
    /// UNAVAILABLE (ADR 0016's durable acknowledgement).
    /// </summary>
    public int RegistryAckTimeoutSeconds { get; set; } = (int)new RegistryDurabilityOptions().AcknowledgeTimeout.TotalSeconds;

    /// <summary>Started with a fixed member list (--peers or --cold-start): no certificates, for benchmarks and development.</summary>
    public bool IsFixedMembership => ColdStart || !string.IsNullOrWhiteSpace(Peers);

    public IPEndPoint RaftEndPoint => ParseEndPoint(RaftListenAddress) ?? throw NotValidated(nameof(RaftListenAddress));

    public IPEndPoint ApiEndPoint => ParseEndPoint(ApiListenAddress) ?? throw NotValidated(nameof(ApiListenAddress));

    /// <summary>The API address as other nodes are told it (normalised).</summary>
    public string ApiAddress => ApiEndPoint.ToString();

    /// <summary>Every manager's raft address with a fixed member list, this one's included; otherwise none.</summary>
    public IReadOnlyList<IPEndPoint> Members =>
        !string.IsNullOrWhiteSpace(Peers) ? [.. PeerTexts(Peers).Select(p => ParseEndPoint(p) ?? throw NotValidated(nameof(Peers)))]
        : ColdStart ? [RaftEndPoint]
        : [];

    public string? SocketPath => Socket ?? (IsFixedMembership ? null : DefaultSocketPath);

    public TimeSpan RequestTimeout => TimeSpan.FromMilliseconds(RequestTimeoutMs);

    public int LowerElectionTimeoutMs => ParseRange(ElectionTimeoutMs)?.Lower ?? throw NotValidated(nameof(ElectionTimeoutMs));

    public int UpperElectionTimeoutMs => ParseRange(ElectionTimeoutMs)?.Upper ?? throw NotValidated(nameof(ElectionTimeoutMs));

    public TimeSpan StuckFollowerAfter => TimeSpan.FromSeconds(StuckFollowerAfterSeconds);

    public TimeSpan HeartbeatPeriod => TimeSpan.FromMilliseconds(HeartbeatPeriodMs);

    public TimeSpan RegistryAckTimeout => TimeSpan.FromSeconds(RegistryAckTimeoutSeconds);

    /// <summary>A joining manager's first catch-up may take this many times <see cref="StuckFollowerAfter"/> (a loaded host was seen to need more than 30 s).</summary>
    internal const int JoinCatchUpFactor = 4;

    public RaftNodeOptions ToRaftOptions() => ToRaftOptions(NodeId ?? string.Empty, RaftBootstrap.FixedMembers, security: null);

    /// <summary>The Raft options of a manager with a cluster identity: its id from its certificate, mutual TLS.</summary>
    /// <param name="joining">A manager joining now: its first catch-up, during the join, may take four times the stuck-follower limit.</param>
    internal RaftNodeOptions ToRaftOptions(string nodeId, RaftBootstrap bootstrap, Membership.ManagerTls? security, bool joining = false) => new()
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
        FirstCatchUpAfter = joining ? StuckFollowerAfter * JoinCatchUpFactor : null,
        GroupCommit = new GroupCommitOptions { MaxTransactions = BatchMax },
    };

    internal static IEnumerable<string> PeerTexts(string peers) => peers.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>IP:PORT with a port from 1 to 65535; null otherwise.</summary>
    internal static IPEndPoint? ParseEndPoint(string? text)
        => text is not null && text.Contains(':', StringComparison.Ordinal) && IPEndPoint.TryParse(text, out var endPoint) && endPoint.Port != 0 ? endPoint : null;

    internal static (int Lower, int Upper)? ParseRange(string? text)
    {
        var parts = (text ?? string.Empty).Split('-');
        return parts.Length == 2
            && int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var lower)
            && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var upper)
            ? (lower, upper)
            : null;
    }

    private static InvalidOperationException NotValidated(string property)
        => new($"ManagerOptions.{property} was used before the options were validated");
}
