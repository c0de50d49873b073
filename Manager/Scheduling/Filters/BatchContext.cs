namespace ClusterKit.Manager.Scheduling.Filters;

/// <summary>One batch's requirements compiled once, so the per-node checks only compare.</summary>
internal sealed class BatchContext
{
    public BatchContext(PlacementSpec spec)
    {
        Spec = spec;
        Demand = spec.Demand;
        ServiceId = spec.ServiceId;
        Constraints = [.. spec.Constraints];
        Platforms = [.. spec.Platforms];
        Global = spec.Mode == ServiceMode.Global;

        // A global service is "max one per node" as far as placement is concerned.
        MaxPerNode = Global ? 1 : spec.MaxReplicasPerNode;
    }

    public PlacementSpec Spec { get; }

    public TaskDemand Demand { get; }

    public string ServiceId { get; }

    public PlacementConstraint[] Constraints { get; }

    public Platform[] Platforms { get; }

    public bool Global { get; }

    public int MaxPerNode { get; }
}
