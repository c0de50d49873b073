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
    /// leave with no node that has both the port and room; then the rest, largest task first in the
    /// round's mix (first-fit decreasing: the small tasks that come last fill the gaps).
    /// </summary>
    public static int[] For(IReadOnlyList<TaskBatch> batches, IReadOnlyList<NodeInfo> nodes, PackingShape shape)
    {
        long maxCpu = 1;
        long maxMemory = 1;
        foreach (var n in nodes)
        {
            maxCpu = Math.Max(maxCpu, n.ReservableNanoCpus);
            maxMemory = Math.Max(maxMemory, n.ReservableMemoryBytes);
        }

        var mix = shape.IsSet ? shape : PackingShape.None with { Cpu = 1, Memory = 1 };
        var count = batches.Count;
        var keys = new (int Group, double Size, int Index)[count];
        var order = new int[count];
        for (var i = 0; i < count; i++)
        {
            var s = batches[i].Spec;
            var group = s.Mode == ServiceMode.Global ? 0 : s.HostPorts.Count > 0 ? 1 : 2;
            keys[i] = (group, -mix.Size(s.NanoCpus, s.MemoryBytes, maxCpu, maxMemory), i);
            order[i] = i;
        }

        Array.Sort(keys, order);
        return order;
    }
}
