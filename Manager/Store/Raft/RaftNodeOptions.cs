using System.Net;

namespace ClusterKit.Manager.Store.Raft;

/// <summary>How one manager takes part in Raft. Checked by <see cref="Validate"/> before anything starts.</summary>
public sealed class RaftNodeOptions
{
    /// <summary>
    /// The largest gRPC message between managers' APIs (a forwarded write and its answer; the servers' receive limit
    /// too): above gRPC's 4 MiB default, since one transaction may carry a registry manifest of up to 4 MiB (ADR 0016)
    /// plus its envelope.
    /// </summary>
    public const int MaxApiMessageBytes = 16 << 20;

    public required string NodeId { get; init; }

    /// <summary>The manager's data root: wal/ and snapshots/ live below it.</summary>
    public required string DataDirectory { get; init; }

    public required IPEndPoint RaftEndPoint { get; init; }

    /// <summary>host:port of this manager's store API, published to the other managers for forwarding.</summary>
    public required string ApiAddress { get; init; }

    /// <summary>The Raft addresses of all managers, this one included (<see cref="RaftBootstrap.FixedMembers"/> only).</summary>
    public IReadOnlyList<IPEndPoint> Members { get; init; } = [];

    /// <summary>Mutual TLS on the Raft transport (DotNext's server and client options); null: plain TCP (fixed-membership mode).</summary>
    public DotNext.Net.Security.SslOptions? TransportSecurity { get; init; }

    /// <summary>Opens a channel to another manager's API for forwarding writes; null: h2c without certificates.</summary>
    public Func<string, Grpc.Net.Client.GrpcChannel>? ApiChannelFactory { get; init; }

    /// <summary>How the member list starts when the data directory has none yet; after that the list on disk wins.</summary>
    public RaftBootstrap Bootstrap { get; init; } = RaftBootstrap.FixedMembers;

    /// <summary>Election timeouts: 150-300 ms failed over in ~0.5 s here; 75-150 ms was unstable at start.</summary>
    public int LowerElectionTimeoutMs { get; init; } = 150;

    public int UpperElectionTimeoutMs { get; init; } = 300;

    /// <summary>
    /// Well above the worst snapshot install (transfer, write, fsync, restore, cold start): DotNext
    /// 6.12 loops re-sending a snapshot forever when an install outlasts the request timeout.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A follower that has seen no progress from the leader (an entry received, an append or heartbeat completed) for
    /// this long gives up on it, so that an election finishes without waiting <see cref="RequestTimeout"/> for a stalled
    /// leader (<see cref="StalledLeaderGuard"/>). Null: the upper election timeout plus one heartbeat; zero: off.
    /// </summary>
    public TimeSpan? StalledLeaderAfterSetting { get; init; }

    public TimeSpan StalledLeaderAfter => StalledLeaderAfterSetting ?? TimeSpan.FromMilliseconds(UpperElectionTimeoutMs + (LowerElectionTimeoutMs / 2.0));

    /// <summary>Log entries between snapshots: rare, so that a follower normally catches up from the log.</summary>
    public long SnapshotEvery { get; init; } = 50_000;

    public TimeSpan ProposeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public GroupCommitOptions GroupCommit { get; init; } = new();

    /// <summary>How a follower batches the writes it forwards to the leader.</summary>
    public ForwardBatchOptions ForwardBatch { get; init; } = new();

    /// <summary>A follower whose read barrier fails this long while a leader is known is reported stuck (0: off).</summary>
    public TimeSpan StuckFollowerAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a manager that has not caught up once since it started may take before it is reported stuck (null:
    /// <see cref="StuckFollowerAfter"/>). A joining manager is given longer: its first catch-up runs during the join.
    /// </summary>
    public TimeSpan? FirstCatchUpAfter { get; init; }

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(NodeId) || NodeId.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            throw new ArgumentException($"node id '{NodeId}' is invalid; allowed: letters, digits, '-', '_', '.'");
        }

        if (string.IsNullOrWhiteSpace(DataDirectory) || !Path.IsPathFullyQualified(DataDirectory))
        {
            throw new ArgumentException($"data directory '{DataDirectory}' is invalid; allowed: an absolute path");
        }

        if (RaftEndPoint.Port == 0)
        {
            throw new ArgumentException($"raft address {RaftEndPoint} is invalid; allowed: host:port with a port from 1 to 65535");
        }

        if (Bootstrap != RaftBootstrap.FixedMembers)
        {
            if (Members.Count != 0)
            {
                throw new ArgumentException($"managers were listed ({string.Join(", ", Members)}) for a {Bootstrap} start; allowed: a list only with fixed members (the others join through the leader)");
            }
        }
        else if (Members.Count is not (1 or 3 or 5 or 7))
        {
            throw new ArgumentException($"{Members.Count} managers listed; allowed: 1, 3, 5 or 7 (an odd number keeps a majority through a failure)");
        }

        if (Bootstrap == RaftBootstrap.FixedMembers && !Members.Contains(RaftEndPoint))
        {
            throw new ArgumentException($"the managers listed ({string.Join(", ", Members)}) do not include this manager's raft address {RaftEndPoint}");
        }

        if (Members.Distinct().Count() != Members.Count)
        {
            throw new ArgumentException($"the managers listed ({string.Join(", ", Members)}) repeat an address; allowed: each manager once");
        }

        if (LowerElectionTimeoutMs < 50 || UpperElectionTimeoutMs <= LowerElectionTimeoutMs)
        {
            throw new ArgumentException($"election timeout {LowerElectionTimeoutMs}-{UpperElectionTimeoutMs} ms is invalid; allowed: lower at least 50 ms and upper above lower");
        }

        if (RequestTimeout < TimeSpan.FromMilliseconds(UpperElectionTimeoutMs))
        {
            throw new ArgumentException($"request timeout {RequestTimeout.TotalMilliseconds} ms is invalid; allowed: at least the upper election timeout ({UpperElectionTimeoutMs} ms)");
        }

        if (StalledLeaderAfter != TimeSpan.Zero && (StalledLeaderAfter < TimeSpan.FromMilliseconds(UpperElectionTimeoutMs) || StalledLeaderAfter >= RequestTimeout))
        {
            throw new ArgumentException($"stalled-leader limit {StalledLeaderAfter.TotalMilliseconds} ms is invalid; allowed: 0 (off) or from the upper election timeout ({UpperElectionTimeoutMs} ms) up to below the request timeout ({RequestTimeout.TotalMilliseconds} ms)");
        }

        if (SnapshotEvery < 1)
        {
            throw new ArgumentException($"snapshot interval {SnapshotEvery} entries is invalid; allowed: 1 or more");
        }

        GroupCommit.Validate();
        ForwardBatch.Validate();
    }
}

/// <summary>Where a manager's first member list comes from.</summary>
public enum RaftBootstrap
{
    /// <summary>A fixed list given on the command line (every manager started with the same list).</summary>
    FixedMembers,

    /// <summary>The first manager of a new cluster: a list of one, itself.</summary>
    NewCluster,

    /// <summary>A manager joining a running cluster: no list until the leader adds it.</summary>
    Join,
}
