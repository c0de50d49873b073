namespace ClusterKit.Manager.Scheduling.Scoring;

/// <summary>
/// The shape a well-packed node should end up with in this round: the round's total CPU and memory
/// (running plus pending) as fractions of the cluster's reservable capacity, scaled so the larger is 1.
/// If every used node followed this shape, node count would meet its lower bound; nodes that fill
/// one resource far ahead of the other strand the rest.
/// </summary>
internal readonly record struct PackingTarget(double Cpu, double Memory)
{
    public static readonly PackingTarget Even = new(1, 1);

    public static PackingTarget For(IReadOnlyList<NodeInfo> nodes, IReadOnlyList<TaskBatch> batches)
    {
        double cpu = 0, memory = 0, cpuCapacity = 0, memoryCapacity = 0;
        foreach (var n in nodes)
        {
            cpu += n.AllocatedNanoCpus;
            memory += n.AllocatedMemoryBytes;
            cpuCapacity += Math.Max(0, n.ReservableNanoCpus);
            memoryCapacity += Math.Max(0, n.ReservableMemoryBytes);
        }

        foreach (var b in batches)
        {
            cpu += (double)b.Spec.NanoCpus * b.TaskIds.Count;
            memory += (double)b.Spec.MemoryBytes * b.TaskIds.Count;
        }

        var c = cpuCapacity > 0 ? cpu / cpuCapacity : 0;
        var m = memoryCapacity > 0 ? memory / memoryCapacity : 0;
        var max = Math.Max(c, m);

        return max <= 0 ? Even : new PackingTarget(c / max, m / max);
    }

    /// <summary>How far a demand leans to CPU (positive) or memory (negative), relative to this shape.</summary>
    public double Skew(double cpuFraction, double memoryFraction) => (cpuFraction / Cpu) - (memoryFraction / Memory);

    /// <summary>
    /// Distance (largest axis) from a usage to the point of the target shape at the same height. A
    /// node that leans towards the round's scarce resource strays little; one that leans away from
    /// it, and so would strand it, strays a lot.
    /// </summary>
    public double Stray(double cpuFraction, double memoryFraction)
    {
        var height = Math.Max(cpuFraction, memoryFraction);
        return Math.Max(Math.Abs(cpuFraction - (height * Cpu)), Math.Abs(memoryFraction - (height * Memory)));
    }
}
