namespace ClusterKit.Manager.Dispatcher;

/// <summary>How the dispatcher times worker sessions.</summary>
public sealed class DispatcherOptions
{
    public static readonly TimeSpan DefaultHeartbeatPeriod = TimeSpan.FromSeconds(5);

    /// <summary>The period pushed to workers.</summary>
    public TimeSpan HeartbeatPeriod { get; init; } = DefaultHeartbeatPeriod;

    /// <summary>A node is marked down after this many periods without a heartbeat.</summary>
    public int MissedHeartbeats { get; init; } = 3;

    /// <summary>How long a new call may take to send its register message.</summary>
    public TimeSpan RegisterTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the leader refreshes the manager list it pushes to workers.</summary>
    public TimeSpan ManagerListRefresh { get; init; } = TimeSpan.FromSeconds(1);

    public void Validate()
    {
        if (HeartbeatPeriod <= TimeSpan.Zero)
        {
            throw new ArgumentException($"heartbeat period {HeartbeatPeriod.TotalMilliseconds} ms is invalid; allowed: above 0 ms");
        }

        if (MissedHeartbeats < 1)
        {
            throw new ArgumentException($"missed heartbeats {MissedHeartbeats} is invalid; allowed: 1 or more");
        }
    }
}
