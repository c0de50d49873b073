namespace ClusterKit.Manager.Scheduling.Filters;

/// <summary>All constraints must hold (AND); the first one that fails is the reason.</summary>
internal sealed class ConstraintFilter : INodeFilter
{
    public static readonly ConstraintFilter Instance = new();

    public string Name => "constraint";

    public bool IsStatic => true;

    public bool AppliesTo(BatchContext batch) => batch.Constraints.Length > 0;

    public int Check(NodeInfo node, BatchContext batch)
    {
        var constraints = batch.Constraints;
        for (var i = 0; i < constraints.Length; i++)
        {
            if (!constraints[i].IsMetBy(node))
            {
                return i + 1;
            }
        }

        return 0;
    }

    public string Explain(int reason, BatchContext batch) => $"constraint {batch.Constraints[reason - 1]} not met";
}
