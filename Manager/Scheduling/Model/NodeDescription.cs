namespace ClusterKit.Manager.Scheduling;

/// <summary>The scheduler's input about one node, as the store knows it.</summary>
public sealed record NodeDescription
{
    public required string Id { get; init; }

    public string Hostname { get; init; } = string.Empty;

    public NodeRole Role { get; init; } = NodeRole.Worker;

    public Platform Platform { get; init; } = new("linux", "amd64");

    public NodeAvailability Availability { get; init; } = NodeAvailability.Active;

    public NodeState State { get; init; } = NodeState.Ready;

    /// <summary>Labels the operator set on the node (node.labels.KEY).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = EmptyLabels;

    /// <summary>Labels the worker reported about itself (engine.labels.KEY).</summary>
    public IReadOnlyDictionary<string, string> EngineLabels { get; init; } = EmptyLabels;

    public NodeResources Resources { get; init; } = new();

    internal static readonly IReadOnlyDictionary<string, string> EmptyLabels = new Dictionary<string, string>();
}
