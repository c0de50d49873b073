namespace ClusterKit.Manager.Scheduling;

/// <summary>A task placed on a node.</summary>
public readonly record struct TaskAssignment(string TaskId, string NodeId);

/// <summary>A named generic resource item handed to a task, e.g. kind gpu, value GPU-1.</summary>
public readonly record struct NamedResourceItem(string Kind, string Value);

/// <summary>How many nodes one filter rejected for one reason.</summary>
public sealed record RejectionCount(string Filter, string Reason, int Nodes);

/// <summary>
/// Why tasks could not be placed: every node of the cluster counted once, under the first
/// filter that rejected it, in pipeline order.
/// </summary>
public sealed record PlacementExplanation(int TotalNodes, IReadOnlyList<RejectionCount> Rejections)
{
    /// <summary>e.g. <c>no suitable node (3 nodes: insufficient memory; 1 node: drained)</c>.</summary>
    public string Message { get; } = Format(TotalNodes, Rejections);

    public override string ToString() => Message;

    private static string Format(int total, IReadOnlyList<RejectionCount> rejections)
    {
        if (total == 0)
        {
            return "no suitable node (the cluster has no nodes)";
        }

        var sb = new System.Text.StringBuilder("no suitable node (");
        for (var i = 0; i < rejections.Count; i++)
        {
            if (i > 0)
            {
                sb.Append("; ");
            }

            var r = rejections[i];
            sb.Append(r.Nodes).Append(r.Nodes == 1 ? " node: " : " nodes: ").Append(r.Reason);
        }

        return sb.Append(')').ToString();
    }
}

/// <summary>A task that stays pending, with the reason shared by its batch.</summary>
public readonly record struct UnplacedTask(string TaskId, PlacementExplanation Explanation);

/// <summary>The outcome for one batch.</summary>
public sealed class BatchResult
{
    internal BatchResult(TaskBatch batch) => Batch = batch;

    public TaskBatch Batch { get; }

    public string ServiceId => Batch.Spec.ServiceId;

    public long SpecVersion => Batch.Spec.SpecVersion;

    public List<TaskAssignment> Assignments { get; } = [];

    public List<UnplacedTask> Unplaced { get; } = [];

    /// <summary>Set when some task stayed pending.</summary>
    public PlacementExplanation? Explanation { get; internal set; }

    /// <summary>Named generic resource items given to placed tasks (only tasks that got any).</summary>
    public Dictionary<string, IReadOnlyList<NamedResourceItem>> NamedResources { get; } = new(StringComparer.Ordinal);

    /// <summary>Global services: eligible nodes that still run no task of the service after this pass.</summary>
    public IReadOnlyList<string> GlobalNodesWithoutTask { get; internal set; } = [];

    /// <summary>Global services: nodes running the service that are no longer eligible (drained, constraint or platform).</summary>
    public IReadOnlyList<string> GlobalNodesToVacate { get; internal set; } = [];
}

/// <summary>The outcome of one scheduling round, batches in input order.</summary>
public sealed class ScheduleResult
{
    internal ScheduleResult(IReadOnlyList<BatchResult> batches)
    {
        Batches = batches;
        foreach (var b in batches)
        {
            Placed += b.Assignments.Count;
            Unplaced += b.Unplaced.Count;
        }
    }

    public IReadOnlyList<BatchResult> Batches { get; }

    public int Placed { get; }

    public int Unplaced { get; }
}
