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
    /// Whether bin-pack follows the round's fill plan (<see cref="PackingPlan"/>: the nodes the round
    /// needs, fullest first, filled evenly so every node gets a share of every batch) or places each
    /// task by BestFit alone. With CPU and memory sized independently BestFit alone strands one
    /// resource: 1.29 times the lower bound on the benchmark against 1.00 to 1.01 with the plan
    /// (docs/benchmarks.md).
    /// </summary>
    public bool PlanBinPack { get; init; } = true;

    /// <summary>
    /// Places every batch of a round and accounts each placement in <paramref name="cluster"/>, so
    /// later batches see earlier ones. Batches are placed in <see cref="BatchOrder"/> (global first,
    /// then host ports, then big tasks first); results come back in input order.
    /// Same cluster, batches and seed give the same placement.
    /// </summary>
    /// <exception cref="ArgumentException">A spec is invalid or a task id appears twice; nothing was placed.</exception>
    public ScheduleResult Schedule(ClusterState cluster, IReadOnlyList<TaskBatch> batches, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(batches);
        Validate(batches);

        var nodes = cluster.Nodes;
        var tieBreak = new ulong[nodes.Count];
        for (var n = 0; n < nodes.Count; n++)
        {
            tieBreak[n] = TieBreak.For(nodes[n].Id, seed);
        }

        var shape = PlanBinPack ? PackingShape.For(nodes, batches) : PackingShape.None;
        var placer = new BatchPlacer(nodes, tieBreak);
        var results = new BatchResult[batches.Count];
        foreach (var i in BatchOrder.For(batches, nodes, shape))
        {
            // Global tasks go on every node whatever the plan, so the plan starts from the cluster
            // as they leave it.
            if (placer.Plan is null && shape.IsSet && batches[i].Spec.Mode != ServiceMode.Global)
            {
                placer.Plan = PackingPlan.For(nodes, shape, tieBreak);
            }

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
