using ClusterKit.Manager.Scheduling.Filters;

namespace ClusterKit.Manager.Scheduling.Scoring;

/// <summary>
/// Scores a feasible node for the next task of a batch: the fit score (bin-pack or spread,
/// normalised to [0, 1]), the same-service anti-affinity penalty, and for bin-pack a balance tier.
/// A node's score depends only on that node, so placing a task changes one score, which is what
/// lets the placer keep the candidates in a heap.
/// </summary>
internal sealed class NodeScorer
{
    // Larger than any fit + alignment + anti-affinity spread (1 + 2 + 1), so off-balance
    // placements form a lower tier.
    private const double OffBalancePenalty = 8.0;

    // Weight of the alignment term: up to twice the fit score on a full node, so among nodes of
    // similar fill the one whose free room matches the task's shape wins (measured: 1 and 0.5
    // left some seeds above 1.05 of the lower bound, docs/benchmarks.md).
    private const double AlignmentWeight = 2.0;

    private readonly TaskDemand _demand;
    private readonly bool _binPack;
    private readonly bool _antiAffinity;
    private readonly double _desired;
    private readonly double _slack;
    private readonly PackingTarget _target;

    /// <param name="batch">The batch being placed.</param>
    /// <param name="serviceTasksAfterBatch">Tasks of the service once the batch is placed, the anti-affinity denominator.</param>
    /// <param name="target">The round's resource shape.</param>
    /// <param name="slack">How far (in target units) an empty node may lean off the target shape; 0 turns the balance tier off.</param>
    public NodeScorer(BatchContext batch, long serviceTasksAfterBatch, PackingTarget target, double slack)
    {
        _demand = batch.Demand;
        _binPack = batch.Spec.Strategy == PlacementStrategy.BinPack;
        _antiAffinity = batch.Spec.ServiceAntiAffinity;
        _desired = Math.Max(1, serviceTasksAfterBatch);
        _target = target;
        _slack = slack;
    }

    public double Score(NodeInfo node)
    {
        // Score the node as it would be with the task on it, as Nomad does.
        var cpu = BestFit.FreeFraction(node.ReservableNanoCpus, node.AllocatedNanoCpus + _demand.NanoCpus);
        var mem = BestFit.FreeFraction(node.ReservableMemoryBytes, node.AllocatedMemoryBytes + _demand.MemoryBytes);
        double score;
        if (_binPack)
        {
            score = BestFit.ScoreFitBinPack(cpu, mem) / BestFit.MaxScore;
            if (_slack > 0)
            {
                // Weighted by the node's fill, so alignment steers tasks among open nodes but does
                // not make an empty node (whose free room always fits the task's shape) attractive.
                score += AlignmentWeight * Alignment(node, cpu, mem) * (1 - Math.Min(cpu, mem));
                if (OffBalance(node, 1 - cpu, 1 - mem))
                {
                    score -= OffBalancePenalty;
                }
            }
        }
        else
        {
            score = BestFit.ScoreFitSpread(cpu, mem) / BestFit.MaxScore;
        }

        return _antiAffinity ? score + ServiceAntiAffinity.Penalty(node.TasksOf(_demand.ServiceId), _desired) : score;
    }

    /// <summary>
    /// Cosine between the task's demand and the node's free room once the task is on it, in [0, 1]
    /// (multi-dimensional bin-packing's alignment heuristic): 1 when what remains has the task's
    /// shape, so more such tasks would fill it evenly; low when the node would keep the resource the
    /// task barely uses. A node with nothing left is perfectly filled and counts as aligned.
    /// </summary>
    internal double Alignment(NodeInfo node, double freeCpu, double freeMemory)
    {
        var taskCpu = node.ReservableNanoCpus > 0 ? (double)_demand.NanoCpus / node.ReservableNanoCpus : 0;
        var taskMemory = node.ReservableMemoryBytes > 0 ? (double)_demand.MemoryBytes / node.ReservableMemoryBytes : 0;
        var norm = Math.Sqrt(((taskCpu * taskCpu) + (taskMemory * taskMemory)) * ((freeCpu * freeCpu) + (freeMemory * freeMemory)));
        return norm > 0 ? ((taskCpu * freeCpu) + (taskMemory * freeMemory)) / norm : 1;
    }

    /// <summary>
    /// True when the node, with the task on it, would stray further from the target shape than a
    /// cone allows that is wide for an empty node and closes as the node fills (plus one task's own
    /// stray, so a node can always take a first task). Without it identical tasks fill one node
    /// until one resource runs out and strand the other, which later tasks of the round need.
    /// A task that brings an off-balance node back towards the shape is not penalised: such nodes
    /// need exactly those complementary tasks, and sending them elsewhere left nodes half empty.
    /// </summary>
    private bool OffBalance(NodeInfo node, double usedCpu, double usedMemory)
    {
        var taskCpu = node.ReservableNanoCpus > 0 ? (double)_demand.NanoCpus / node.ReservableNanoCpus : 0;
        var taskMemory = node.ReservableMemoryBytes > 0 ? (double)_demand.MemoryBytes / node.ReservableMemoryBytes : 0;
        var height = Math.Max(usedCpu, usedMemory);
        var stray = _target.Stray(usedCpu, usedMemory);
        if (stray <= (_slack * (1 - height)) + _target.Stray(taskCpu, taskMemory))
        {
            return false;
        }

        return stray >= _target.Stray(usedCpu - taskCpu, usedMemory - taskMemory);
    }
}
