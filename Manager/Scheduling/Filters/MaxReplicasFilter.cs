namespace ClusterKit.Manager.Scheduling.Filters;

/// <summary>Caps the service's tasks per node: max-replicas-per-node, or one for a global service.</summary>
internal sealed class MaxReplicasFilter : INodeFilter
{
    public static readonly MaxReplicasFilter Instance = new();

    public string Name => "max-replicas";

    public bool IsStatic => false;

    public bool AppliesTo(BatchContext batch) => batch.MaxPerNode > 0;

    public int Check(NodeInfo node, BatchContext batch) => node.TasksOf(batch.ServiceId) >= batch.MaxPerNode ? 1 : 0;

    public string Explain(int reason, BatchContext batch) => batch.Global
        ? "already runs a task of this global service"
        : $"max replicas per node ({batch.MaxPerNode}) reached";
}
