using ClusterKit.Manager.Scheduling.Filters;
using ClusterKit.Manager.Scheduling.Placement;
using ClusterKit.Manager.Scheduling.Scoring;

namespace ClusterKit.Manager.Scheduling;

/// <summary>
/// Places pending tasks on nodes. Pure: the caller hands in its cluster view and the batches of a
/// reconcile round, and gets assignments and explanations back. Not thread-safe; one instance per loop.
/// </summary>
public sealed class Scheduler
{
    /// <summary>
    /// How far an empty node may lean from the round's CPU/memory shape under bin-pack before the
    /// scheduler prefers another node (the allowance narrows as the node fills); 0 turns balancing off
    /// and gives plain BestFit. 0.5 measured best on the benchmark (docs/benchmarks.md).
    /// </summary>
    public double PackingSlack { get; init; } = 0.5;

    /// <summary>
    /// Places every batch of a round and accounts each placement in <paramref name="cluster"/>, so
    /// later batches see earlier ones. Batches are placed in <see cref="BatchOrder"/> (global first,
    /// then big tasks first, alternating CPU- and memory-leaning); results come back in input order.
    /// Same cluster, batches and seed give the same placement.
    /// </summary>
    /// <exception cref="ArgumentException">A spec is invalid or a task id appears twice; nothing was placed.</exception>
    public ScheduleResult Schedule(ClusterState cluster, IReadOnlyList<TaskBatch> batches, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(batches);
        Validate(batches);

        var nodes = cluster.Nodes;
        var target = PackingTarget.For(nodes, batches);
        var placer = new BatchPlacer(nodes, seed, target, PackingSlack);
        var results = new BatchResult[batches.Count];
        foreach (var i in BatchOrder.For(batches, nodes, target))
        {
            results[i] = placer.Place(batches[i]);
        }

        return new ScheduleResult(results);
    }

    /// <summary>Why a task of <paramref name="spec"/> cannot be placed on the cluster as it is now.</summary>
    public static PlacementExplanation Explain(ClusterState cluster, PlacementSpec spec)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        return new FilterPipeline(new BatchContext(spec)).Explain(cluster.Nodes);
    }

    private static void Validate(IReadOnlyList<TaskBatch> batches)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var batch in batches)
        {
            ArgumentNullException.ThrowIfNull(batch);
            ArgumentNullException.ThrowIfNull(batch.Spec);
            ArgumentNullException.ThrowIfNull(batch.TaskIds);
            batch.Spec.Validate();
            foreach (var id in batch.TaskIds)
            {
                if (string.IsNullOrEmpty(id))
                {
                    throw new ArgumentException($"service {batch.Spec.ServiceId}: a pending task has an empty id; allowed: non-empty task ids");
                }

                if (!seen.Add(id))
                {
                    throw new ArgumentException($"service {batch.Spec.ServiceId}: task {id} is pending twice in this round; allowed: each task once");
                }
            }
        }
    }
}
