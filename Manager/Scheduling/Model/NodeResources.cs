namespace ClusterKit.Manager.Scheduling;

/// <summary>
/// What a node offers. Reserved amounts are held back for the system and never given to tasks,
/// so a node's reservable capacity is total minus reserved.
/// </summary>
public sealed record NodeResources
{
    public long TotalNanoCpus { get; init; }

    public long TotalMemoryBytes { get; init; }

    public long ReservedNanoCpus { get; init; }

    public long ReservedMemoryBytes { get; init; }

    /// <summary>Generic resources offered as plain counts, e.g. gpu=2.</summary>
    public IReadOnlyDictionary<string, long> DiscreteGeneric { get; init; } = EmptyCounts;

    /// <summary>Generic resources offered as named items, e.g. gpu={GPU-0, GPU-1}; a task gets specific items.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> NamedGeneric { get; init; } = EmptyNamed;

    internal static readonly IReadOnlyDictionary<string, long> EmptyCounts = new Dictionary<string, long>();
    internal static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> EmptyNamed = new Dictionary<string, IReadOnlyList<string>>();
}
