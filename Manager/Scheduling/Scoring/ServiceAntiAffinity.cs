namespace ClusterKit.Manager.Scheduling.Scoring;

/// <summary>
/// Same-service anti-affinity (Nomad's job anti-affinity): a node already running n tasks of the
/// service loses (n + 1) / desired, capped at 1. Small services spread for availability; for a
/// service of thousands the penalty is tiny and bin-packing wins.
/// </summary>
public static class ServiceAntiAffinity
{
    public static double Penalty(int tasksOfServiceOnNode, double desiredTasks) =>
        tasksOfServiceOnNode <= 0 ? 0.0 : -Math.Min(1.0, (tasksOfServiceOnNode + 1) / Math.Max(1.0, desiredTasks));
}
