namespace ClusterKit.Manager.Scheduling.Scoring;

/// <summary>
/// Which nodes a round's bin-pack tasks should fill and how much room each should keep at the end.
/// The plan takes schedulable nodes, fullest first (ties in seeded order), until their
/// room, measured in the round's <see cref="PackingShape"/>, holds the round's bin-pack demand.
/// Every planned node is to be filled up except the last one, which keeps what the round does not
/// need; nodes outside the plan are to keep the room they have, and an empty one to stay empty.
/// Filling the planned nodes evenly (each task to the node furthest above its target) hands every
/// planned node a share of every batch, so CPU-heavy and memory-heavy services end up side by side
/// instead of each stranding the other resource.
/// </summary>
internal sealed class PackingPlan
{
    private readonly double[] _targetRoom;

    private PackingPlan(PackingShape shape, double[] targetRoom, int plannedNodes)
    {
        Shape = shape;
        _targetRoom = targetRoom;
        PlannedNodes = plannedNodes;
    }

    public PackingShape Shape { get; }

    /// <summary>How many nodes the plan fills (the round's estimate of the nodes it needs).</summary>
    public int PlannedNodes { get; }

    /// <summary>The room node <paramref name="nodeIndex"/> should keep; infinite outside the plan.</summary>
    public double TargetRoom(int nodeIndex) => _targetRoom[nodeIndex];

    /// <param name="nodes">The cluster's nodes as they are now (global tasks already placed).</param>
    /// <param name="shape">The round's bin-pack demand and its mix.</param>
    /// <param name="tieBreak">A seeded order per node index, for nodes with equal room (e.g. empty ones).</param>
    public static PackingPlan For(IReadOnlyList<NodeInfo> nodes, PackingShape shape, IReadOnlyList<ulong> tieBreak)
    {
        var target = new double[nodes.Count];
        Array.Fill(target, double.PositiveInfinity);
        var room = new double[nodes.Count];
        var order = new List<int>(nodes.Count);
        for (var i = 0; i < nodes.Count; i++)
        {
            if (PackingShape.Schedulable(nodes[i]))
            {
                room[i] = shape.Room(nodes[i], 0, 0);
                if (room[i] > 0)
                {
                    order.Add(i);
                }
            }
        }

        order.Sort((a, b) => room[a] != room[b] ? room[a].CompareTo(room[b]) : tieBreak[a].CompareTo(tieBreak[b]));
        double cpu = 0, memory = 0;
        var planned = 0;
        foreach (var i in order)
        {
            var node = nodes[i];
            var holdsCpu = room[i] * shape.Cpu * node.ReservableNanoCpus;
            var holdsMemory = room[i] * shape.Memory * node.ReservableMemoryBytes;
            var needed = Math.Max(Share(shape.DemandNanoCpus - cpu, holdsCpu), Share(shape.DemandMemoryBytes - memory, holdsMemory));
            planned++;
            if (needed < 1)
            {
                // The node that completes the plan keeps what the round does not need of it.
                target[i] = room[i] * (1 - needed);
                break;
            }

            target[i] = 0;
            cpu += holdsCpu;
            memory += holdsMemory;
        }

        return new PackingPlan(shape, target, planned);
    }

    // The fraction of what a node holds that a remaining demand needs.
    private static double Share(double demand, double holds) =>
        demand <= 0 ? 0 : holds > 0 ? demand / holds : double.PositiveInfinity;
}
