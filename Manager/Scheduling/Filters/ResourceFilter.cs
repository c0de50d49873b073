namespace ClusterKit.Manager.Scheduling.Filters;

/// <summary>One more task's reservations must fit in what the node has left.</summary>
internal sealed class ResourceFilter : INodeFilter
{
    public static readonly ResourceFilter Instance = new();

    private const int Cpu = 1;
    private const int Memory = 2;
    private const int FirstGeneric = 3;

    public string Name => "resources";

    public bool IsStatic => false;

    public bool AppliesTo(BatchContext batch)
    {
        var d = batch.Demand;
        return d.NanoCpus > 0 || d.MemoryBytes > 0 || d.GenericKinds.Length > 0;
    }

    public int Check(NodeInfo node, BatchContext batch)
    {
        var d = batch.Demand;
        if (d.NanoCpus > node.AvailableNanoCpus)
        {
            return Cpu;
        }

        if (d.MemoryBytes > node.AvailableMemoryBytes)
        {
            return Memory;
        }

        for (var i = 0; i < d.GenericKinds.Length; i++)
        {
            if (d.GenericCounts[i] > node.AvailableGeneric(d.GenericKinds[i]))
            {
                return FirstGeneric + i;
            }
        }

        return 0;
    }

    public string Explain(int reason, BatchContext batch) => reason switch
    {
        Cpu => "insufficient cpu",
        Memory => "insufficient memory",
        _ => "insufficient generic resource " + batch.Demand.GenericKinds[reason - FirstGeneric],
    };
}
