namespace ClusterKit.Manager.Scheduling;

/// <summary>Move one running task to another node (the orchestrator starts the new one, then stops the old).</summary>
public sealed record TaskMove(string TaskId, string ServiceId, string FromNodeId, string ToNodeId, string Reason);

/// <summary>A bounded list of moves; applying them in order keeps every node within its limits.</summary>
public sealed record RebalancePlan(IReadOnlyList<TaskMove> Moves, int NodesFreed, int ServicesEvened);
