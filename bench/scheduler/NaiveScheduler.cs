using ClusterKit.Manager.Scheduling;
using ClusterKit.Manager.Scheduling.Scoring;

namespace ClusterKit.Bench.Scheduler;

/// <summary>
/// The anchor: the straightforward scheduler that scans every node for every task with the same
/// filters and BestFit score. The ratio against it is what the batch design buys.
/// </summary>
internal static class NaiveScheduler
{
    public static int Place(ClusterState cluster, TaskBatch batch)
    {
        var spec = batch.Spec;
        var demand = spec.Demand;
        var placed = 0;
        foreach (var taskId in batch.TaskIds)
        {
            NodeInfo? best = null;
            var bestScore = double.MinValue;
            foreach (var node in cluster.Nodes)
            {
                var d = node.Description;
                if (d.State != NodeState.Ready || d.Availability != NodeAvailability.Active)
                {
                    continue;
                }

                if (!spec.Constraints.All(c => c.IsMetBy(node)))
                {
                    continue;
                }

                if (node.AvailableNanoCpus < demand.NanoCpus || node.AvailableMemoryBytes < demand.MemoryBytes)
                {
                    continue;
                }

                if (spec.HostPorts.Any(node.IsHostPortInUse))
                {
                    continue;
                }

                if (spec.MaxReplicasPerNode > 0 && node.TasksOf(spec.ServiceId) >= spec.MaxReplicasPerNode)
                {
                    continue;
                }

                var score = BestFit.ScoreFitBinPack(
                    BestFit.FreeFraction(node.ReservableNanoCpus, node.AllocatedNanoCpus + demand.NanoCpus),
                    BestFit.FreeFraction(node.ReservableMemoryBytes, node.AllocatedMemoryBytes + demand.MemoryBytes));
                if (score > bestScore)
                {
                    bestScore = score;
                    best = node;
                }
            }

            if (best is null)
            {
                break;
            }

            best.AddTask(taskId, demand);
            placed++;
        }

        return placed;
    }
}
