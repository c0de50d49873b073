namespace ClusterKit.Manager.Scheduling;

/// <summary>The pending tasks of one (service, spec version), placed in one pass.</summary>
public sealed record TaskBatch(PlacementSpec Spec, IReadOnlyList<string> TaskIds);
