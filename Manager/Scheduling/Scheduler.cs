using ClusterKit.Manager.Scheduling.Filters;
using ClusterKit.Manager.Scheduling.Placement;

namespace ClusterKit.Manager.Scheduling;

/// <summary>
/// Places pending tasks on nodes. Pure: the caller hands in its cluster view and the batches of a
/// reconcile round, and gets assignments and explanations back. Not thread-safe; one instance per loop.
/// </summary>
public sealed class Scheduler
{
    /// <summary>
    /// Places every batch of a round and accounts each placement in <paramref name="cluster"/>, so
    /// later batches see earlier ones. Global batches go first (one task per node must not lose
    /// its room to replicas), then the rest by decreasing task size, which packs tighter
    /// (first-fit decreasing); results come back in input order. Same cluster, batches and seed
    /// give the same placement.
    /// </summary>
    /// <exception cref="ArgumentException">A spec is invalid or a task id appears twice; nothing was placed.</exception>
    public ScheduleResult Schedule(ClusterState cluster, IReadOnlyList<TaskBatch> batches, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(batches);
        Validate(batches);

        var nodes = cluster.Nodes;
        long maxCpu = 1;
        long maxMemory = 1;
        foreach (var n in nodes)
        {
            maxCpu = Math.Max(maxCpu, n.ReservableNanoCpus);
            maxMemory = Math.Max(maxMemory, n.ReservableMemoryBytes);
        }

        var order = new int[batches.Count];
        var keys = new (int Global, double Size, int Index)[batches.Count];
        for (var i = 0; i < batches.Count; i++)
        {
            var s = batches[i].Spec;
            var size = Math.Max((double)s.NanoCpus / maxCpu, (double)s.MemoryBytes / maxMemory);
            keys[i] = (s.Mode == ServiceMode.Global ? 0 : 1, -size, i);
            order[i] = i;
        }

        Array.Sort(keys, order);
        var placer = new BatchPlacer(nodes, seed);
        var results = new BatchResult[batches.Count];
        foreach (var i in order)
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
