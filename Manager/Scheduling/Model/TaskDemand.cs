namespace ClusterKit.Manager.Scheduling;

/// <summary>
/// What one task takes from a node. All tasks of a (service, spec version) share one instance,
/// so a node's task table holds a reference, not a copy.
/// </summary>
public sealed class TaskDemand
{
    private static readonly IReadOnlyDictionary<string, long> NoGeneric = new Dictionary<string, long>();

    public TaskDemand(
        string serviceId,
        long nanoCpus,
        long memoryBytes,
        IReadOnlyDictionary<string, long>? generic = null,
        IReadOnlyList<HostPort>? hostPorts = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceId);
        ServiceId = serviceId;
        NanoCpus = nanoCpus;
        MemoryBytes = memoryBytes;
        Generic = generic ?? NoGeneric;
        HostPorts = hostPorts ?? [];

        // Flattened copies for the placement loop: sorted so that iteration is deterministic.
        GenericKinds = [.. Generic.Keys.Order(StringComparer.Ordinal)];
        GenericCounts = new long[GenericKinds.Length];
        for (var i = 0; i < GenericKinds.Length; i++)
        {
            GenericCounts[i] = Generic[GenericKinds[i]];
        }

        PortKeys = new int[HostPorts.Count];
        for (var i = 0; i < PortKeys.Length; i++)
        {
            PortKeys[i] = HostPorts[i].Key;
        }
    }

    public string ServiceId { get; }

    public long NanoCpus { get; }

    public long MemoryBytes { get; }

    /// <summary>Generic resources by kind (e.g. gpu=1).</summary>
    public IReadOnlyDictionary<string, long> Generic { get; }

    public IReadOnlyList<HostPort> HostPorts { get; }

    internal string[] GenericKinds { get; }

    internal long[] GenericCounts { get; }

    internal int[] PortKeys { get; }
}
