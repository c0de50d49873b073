using ClusterKit.Manager.Scheduling.Filters;

namespace ClusterKit.Manager.Scheduling.Scoring;

/// <summary>
/// Scores a feasible node for the next task of a batch: the fit (bin-pack or spread) plus the
/// same-service anti-affinity penalty. A node's score depends only on that node, so placing a task
/// changes one score, which is what lets the placer keep the candidates in a heap.
/// </summary>
internal sealed class NodeScorer
{
    // Under the plan a node keeps taking a batch's tasks while its score stays within this much
    // (about one task's share of a node) of the best: runs of a few tasks per node instead of one
    // cost 0.1 to 0.7 points of packing on the benchmark seeds and save a quarter of the time
    // (each node's data is touched once per run, not once per task; docs/benchmarks.md).
    private const double PlanRunSlack = 0.02;

    // Under the plan, fullness only breaks ties: a thousandth of a node's room outweighs it.
    private const double FullerFirst = 1e-3;

    // Opening an empty node outside the plan costs half a node. That is more than the anti-affinity
    // penalty ((n + 1) / tasks) of a service with fewer than half its tasks on one node, so tasks
    // that no planned node holds pack onto nodes in use instead of one new node each; a service of
    // two or three tasks still spreads.
    private const double OpeningCost = 0.5;

    private readonly TaskDemand _demand;
    private readonly bool _binPack;
    private readonly bool _antiAffinity;
    private readonly double _desired;
    private readonly PackingPlan? _plan;

    /// <param name="batch">The batch being placed.</param>
    /// <param name="serviceTasksAfterBatch">Tasks of the service once the batch is placed, the anti-affinity denominator.</param>
    /// <param name="plan">The round's fill plan; null for per-task BestFit.</param>
    public NodeScorer(BatchContext batch, long serviceTasksAfterBatch, PackingPlan? plan)
    {
        _demand = batch.Demand;
        _binPack = batch.Spec.Strategy == PlacementStrategy.BinPack;
        _antiAffinity = batch.Spec.ServiceAntiAffinity;
        _desired = Math.Max(1, serviceTasksAfterBatch);
        _plan = plan;
    }

    /// <summary>How far below the best score the node that just took a task may be and still take the next.</summary>
    public double RunSlack => _binPack && _plan is not null ? PlanRunSlack : 0;

    /// <param name="node">A node the task fits on.</param>
    /// <param name="nodeIndex">The node's index in the cluster (the plan's key).</param>
    public double Score(NodeInfo node, int nodeIndex)
    {
        double score;
        if (_binPack && _plan is not null)
        {
            score = PlanScore(_plan, node, nodeIndex, _demand);
        }
        else
        {
            // Score the node as it would be with the task on it, as Nomad does.
            var cpu = BestFit.FreeFraction(node.ReservableNanoCpus, node.AllocatedNanoCpus + _demand.NanoCpus);
            var mem = BestFit.FreeFraction(node.ReservableMemoryBytes, node.AllocatedMemoryBytes + _demand.MemoryBytes);
            score = _binPack ? BestFit.ScoreFitBinPack(cpu, mem) / BestFit.MaxScore : BestFit.ScoreFitSpread(cpu, mem) / BestFit.MaxScore;
        }

        return _antiAffinity ? score + ServiceAntiAffinity.Penalty(node.TasksOf(_demand.ServiceId), _desired) : score;
    }

    /// <summary>
    /// The room, in the round's mix, that the node keeps above its planned target once the task is on
    /// it (a node outside the plan, or already at its target, is to keep the room it has, so the task
    /// scores minus its own size). Planned nodes take tasks in turn, the one furthest above its
    /// target first, so every planned node gets a share of every batch. Among equals the fuller node
    /// wins, and opening an empty node the plan leaves empty costs half a node.
    /// </summary>
    internal static double PlanScore(PackingPlan plan, NodeInfo node, int nodeIndex, TaskDemand demand)
    {
        var shape = plan.Shape;
        var now = shape.Room(node, 0, 0);
        var after = shape.Room(node, demand.NanoCpus, demand.MemoryBytes);
        var target = plan.TargetRoom(nodeIndex);
        var score = after - Math.Min(target, now) + (FullerFirst * (1 - after));
        return double.IsPositiveInfinity(target) && node.TaskCount == 0 ? score - OpeningCost : score;
    }
}
