namespace ClusterKit.Manager.Scheduling.Filters;

/// <summary>
/// One feasibility check. Filters are stateless; the batch carries the requirements. A rejection
/// is a small reason code so the pipeline can count nodes per reason without building text.
/// </summary>
internal interface INodeFilter
{
    /// <summary>Short name used in <see cref="RejectionCount.Filter"/>.</summary>
    string Name { get; }

    /// <summary>True when the verdict cannot change while the batch is placed (labels, state, platform).</summary>
    bool IsStatic { get; }

    bool AppliesTo(BatchContext batch);

    /// <summary>0 when the node passes, otherwise a reason code understood by <see cref="Explain"/>.</summary>
    int Check(NodeInfo node, BatchContext batch);

    /// <summary>The reason as a person reads it, e.g. "insufficient memory".</summary>
    string Explain(int reason, BatchContext batch);
}
