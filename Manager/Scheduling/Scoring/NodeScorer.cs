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
    // Larger than any fit + anti-affinity spread, so off-balance placements form a lower tier.
    private const double OffBalancePenalty = 4.0;

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
            if (_slack > 0 && OffBalance(node, 1 - cpu, 1 - mem))
            {
                score -= OffBalancePenalty;
            }
        }
        else
        {
            score = BestFit.ScoreFitSpread(cpu, mem) / BestFit.MaxScore;
        }

        return _antiAffinity ? score + ServiceAntiAffinity.Penalty(node.TasksOf(_demand.ServiceId), _desired) : score;
    }

    /// <summary>
    /// True when the node, with the task on it, would stray further from the target shape than a
    /// cone allows that is wide for an empty node and closes as the node fills (plus one task's own
    /// stray, so a node can always take a first task). Without it identical tasks fill one node
    /// until one resource runs out and strand the other, which later tasks of the round need.
    /// </summary>
    private bool OffBalance(NodeInfo node, double usedCpu, double usedMemory)
    {
        var taskCpu = node.ReservableNanoCpus > 0 ? (double)_demand.NanoCpus / node.ReservableNanoCpus : 0;
        var taskMemory = node.ReservableMemoryBytes > 0 ? (double)_demand.MemoryBytes / node.ReservableMemoryBytes : 0;
        var height = Math.Max(usedCpu, usedMemory);
        return _target.Stray(usedCpu, usedMemory) > (_slack * (1 - height)) + _target.Stray(taskCpu, taskMemory);
    }
}
