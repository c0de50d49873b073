namespace ClusterKit.Manager.Scheduling.Scoring;

/// <summary>
/// The mix of CPU and memory a round's bin-pack tasks ask for: their total demand as fractions of
/// the cluster's reservable capacity, scaled so the larger is 1. A node's room is measured in this
/// mix, so a node that can take little of the scarce resource counts as nearly full, whatever it
/// has left of the other.
/// </summary>
internal readonly record struct PackingShape(double Cpu, double Memory, double DemandNanoCpus, double DemandMemoryBytes)
{
    public static readonly PackingShape None = new(0, 0, 0, 0);

    /// <summary>False when the round has no bin-pack CPU or memory to plan for.</summary>
    public bool IsSet => Cpu > 0 || Memory > 0;

    /// <summary>The shape of the replicated bin-pack batches (global tasks go on every node regardless).</summary>
    public static PackingShape For(IReadOnlyList<NodeInfo> nodes, IReadOnlyList<TaskBatch> batches)
    {
        double cpu = 0, memory = 0;
        foreach (var b in batches)
        {
            if (Planned(b.Spec))
            {
                cpu += (double)b.Spec.NanoCpus * b.TaskIds.Count;
                memory += (double)b.Spec.MemoryBytes * b.TaskIds.Count;
            }
        }

        double cpuCapacity = 0, memoryCapacity = 0;
        foreach (var n in nodes)
        {
            if (Schedulable(n))
            {
                cpuCapacity += Math.Max(0, n.ReservableNanoCpus);
                memoryCapacity += Math.Max(0, n.ReservableMemoryBytes);
            }
        }

        var c = cpuCapacity > 0 ? cpu / cpuCapacity : 0;
        var m = memoryCapacity > 0 ? memory / memoryCapacity : 0;
        var max = Math.Max(c, m);
        return max <= 0 ? None : new PackingShape(c / max, m / max, cpu, memory);
    }

    /// <summary>Whether a batch's tasks are part of the round's fill plan.</summary>
    public static bool Planned(PlacementSpec spec) => spec.Mode == ServiceMode.Replicated && spec.Strategy == PlacementStrategy.BinPack;

    public static bool Schedulable(NodeInfo node) =>
        node.Description is { State: NodeState.Ready, Availability: NodeAvailability.Active };

    /// <summary>
    /// How many units of this mix the node holds once <paramref name="nanoCpus"/> and
    /// <paramref name="memoryBytes"/> more are on it, relative to its own size: 1 for an empty node,
    /// 0 when the resource the mix needs most relative to what is left has run out.
    /// </summary>
    public double Room(NodeInfo node, long nanoCpus, long memoryBytes)
    {
        var room = double.MaxValue;
        if (Cpu > 0)
        {
            room = Free(node.ReservableNanoCpus, node.AllocatedNanoCpus + nanoCpus) / Cpu;
        }

        if (Memory > 0)
        {
            room = Math.Min(room, Free(node.ReservableMemoryBytes, node.AllocatedMemoryBytes + memoryBytes) / Memory);
        }

        return room;
    }

    /// <summary>A task's size in this mix on a node of the given capacity: the larger of its two shares.</summary>
    public double Size(long nanoCpus, long memoryBytes, long nodeNanoCpus, long nodeMemoryBytes)
    {
        double size = 0;
        if (Cpu > 0 && nodeNanoCpus > 0)
        {
            size = (double)nanoCpus / nodeNanoCpus / Cpu;
        }

        if (Memory > 0 && nodeMemoryBytes > 0)
        {
            size = Math.Max(size, (double)memoryBytes / nodeMemoryBytes / Memory);
        }

        return size;
    }

    private static double Free(long reservable, long allocated) =>
        reservable <= 0 ? 0 : 1.0 - ((double)allocated / reservable);
}
