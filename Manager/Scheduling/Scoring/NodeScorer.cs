using ClusterKit.Manager.Scheduling.Filters;

namespace ClusterKit.Manager.Scheduling.Scoring;

/// <summary>
/// Scores a feasible node for the next task of a batch: the fit score (bin-pack or spread,
/// normalised to [0, 1]) plus the same-service anti-affinity penalty. A node's score depends
/// only on that node, so placing a task changes one score, which is what lets the placer keep
/// the candidates in a heap.
/// </summary>
internal sealed class NodeScorer
{
    private readonly TaskDemand _demand;
    private readonly bool _binPack;
    private readonly bool _antiAffinity;
    private readonly double _desired;

    /// <param name="batch">The batch being placed.</param>
    /// <param name="serviceTasksAfterBatch">Tasks of the service once the batch is placed, the anti-affinity denominator.</param>
    public NodeScorer(BatchContext batch, long serviceTasksAfterBatch)
    {
        _demand = batch.Demand;
        _binPack = batch.Spec.Strategy == PlacementStrategy.BinPack;
        _antiAffinity = batch.Spec.ServiceAntiAffinity;
        _desired = Math.Max(1, serviceTasksAfterBatch);
    }

    public double Score(NodeInfo node)
    {
        // Score the node as it would be with the task on it, as Nomad does.
        var cpu = BestFit.FreeFraction(node.ReservableNanoCpus, node.AllocatedNanoCpus + _demand.NanoCpus);
        var mem = BestFit.FreeFraction(node.ReservableMemoryBytes, node.AllocatedMemoryBytes + _demand.MemoryBytes);
        var fit = (_binPack ? BestFit.ScoreFitBinPack(cpu, mem) : BestFit.ScoreFitSpread(cpu, mem)) / BestFit.MaxScore;
        return _antiAffinity ? fit + ServiceAntiAffinity.Penalty(node.TasksOf(_demand.ServiceId), _desired) : fit;
    }
}
