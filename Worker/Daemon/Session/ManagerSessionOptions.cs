using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Worker.Session;

/// <summary>What a worker's session needs: who it is, whom to call, what it registers.</summary>
public sealed class ManagerSessionOptions
{
    public required string NodeId { get; init; }

    /// <summary>HOST:PORT of managers' APIs, from the command line.</summary>
    public required IReadOnlyList<string> Managers { get; init; }

    public required NodeDescription Description { get; init; }

    /// <summary>Where the latest manager list is kept; null keeps nothing on disk.</summary>
    public string? ManagerListPath { get; init; }

    /// <summary>The period used until the managers push theirs.</summary>
    public TimeSpan InitialHeartbeatPeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Silence from the manager (no ack, no push) for this many periods ends the session.</summary>
    public int MissedAcks { get; init; } = 3;

    /// <summary>How long the manager may take to accept the register message (it commits the node through Raft).</summary>
    public TimeSpan AcceptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>A worker's session as it stands now.</summary>
/// <param name="Connected">A manager accepted the session and it is live.</param>
/// <param name="ManagerAddress">The manager of the live session, or the last one tried.</param>
/// <param name="SessionsAccepted">How many sessions managers have accepted since the worker started.</param>
public sealed record ManagerSessionStatus(
    bool Connected,
    string? ManagerAddress,
    string? SessionId,
    TimeSpan HeartbeatPeriod,
    IReadOnlyList<string> Managers,
    int SessionsAccepted,
    string? LastError);
