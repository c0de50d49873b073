using ClusterKit.Manager.Scheduling.Scoring;

namespace ClusterKit.Manager.Scheduling.Placement;

/// <summary>
/// The order in which a round's batches are placed (results still come back in input order).
/// </summary>
internal static class BatchOrder
{
    /// <summary>
    /// Global batches first: one task per node must not lose its room to replicas; then batches
    /// with host ports (also at most one task per node), which a well-packed round would otherwise
    /// leave with no node that has both the port and room. Then the
    /// replicated batches in two queues, CPU-leaning and memory-leaning (against the round's
    /// target shape), each largest task first (first-fit decreasing packs tighter); the next batch
    /// comes from whichever queue counters the lean placed so far, so complementary tasks land
    /// while the nodes that need them are still open.
    /// </summary>
    public static int[] For(IReadOnlyList<TaskBatch> batches, IReadOnlyList<NodeInfo> nodes, PackingTarget target)
    {
        long maxCpu = 1;
        long maxMemory = 1;
        foreach (var n in nodes)
        {
            maxCpu = Math.Max(maxCpu, n.ReservableNanoCpus);
            maxMemory = Math.Max(maxMemory, n.ReservableMemoryBytes);
        }

        var count = batches.Count;
        var keys = new (int Global, double Size, int Index)[count];
        var order = new int[count];
        var skew = new double[count];
        for (var i = 0; i < count; i++)
        {
            var s = batches[i].Spec;
            var cpu = (double)s.NanoCpus / maxCpu;
            var memory = (double)s.MemoryBytes / maxMemory;
            skew[i] = target.Skew(cpu, memory);
            keys[i] = (s.Mode == ServiceMode.Global ? 0 : s.HostPorts.Count > 0 ? 1 : 2, -Math.Max(cpu, memory), i);
            order[i] = i;
        }

        Array.Sort(keys, order);

        var result = new int[count];
        var next = 0;
        var cpuLeaning = new Queue<int>();
        var memoryLeaning = new Queue<int>();
        foreach (var i in order)
        {
            if (batches[i].Spec.Mode == ServiceMode.Global || batches[i].Spec.HostPorts.Count > 0)
            {
                result[next++] = i;
            }
            else
            {
                (skew[i] > 0 ? cpuLeaning : memoryLeaning).Enqueue(i);
            }
        }

        double lean = 0;
        while (cpuLeaning.Count > 0 || memoryLeaning.Count > 0)
        {
            var queue = memoryLeaning.Count == 0 ? cpuLeaning
                : cpuLeaning.Count == 0 ? memoryLeaning
                : lean > 0 ? memoryLeaning : cpuLeaning;
            var i = queue.Dequeue();
            lean += skew[i] * batches[i].TaskIds.Count;
            result[next++] = i;
        }

        return result;
    }
}
