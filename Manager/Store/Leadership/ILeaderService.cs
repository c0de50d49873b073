namespace ClusterKit.Manager.Store.Leadership;

/// <summary>
/// Work only the leader does (node health, and next reconcilers, the scheduler, the allocator). The manager's
/// leader services host starts it when this manager begins leading a term and awaits it when the term ends.
/// </summary>
public interface ILeaderService
{
    /// <summary>Runs for one term; returns once <paramref name="stepDown"/> is cancelled (the term ended or the manager stops).</summary>
    Task LeadAsync(LeaderTerm term, CancellationToken stepDown);
}
