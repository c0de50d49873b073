namespace ClusterKit.Manager.Scheduling;

/// <summary>
/// The placement-relevant part of one (service, spec version): every task of it asks for the same
/// resources under the same rules, which is what lets the scheduler work out feasibility once per batch.
/// </summary>
public sealed class PlacementSpec
{
    private TaskDemand? _demand;

    public required string ServiceId { get; init; }

    public long SpecVersion { get; init; }

    public ServiceMode Mode { get; init; } = ServiceMode.Replicated;

    public PlacementStrategy Strategy { get; init; } = PlacementStrategy.BinPack;

    /// <summary>
    /// Penalise nodes that already run tasks of this service, in proportion to the service size
    /// (Nomad's job anti-affinity): small services spread for availability, big ones still pack.
    /// </summary>
    public bool ServiceAntiAffinity { get; init; } = true;

    public long NanoCpus { get; init; }

    public long MemoryBytes { get; init; }

    public IReadOnlyDictionary<string, long> GenericResources { get; init; } = NodeResources.EmptyCounts;

    public IReadOnlyList<PlacementConstraint> Constraints { get; init; } = [];

    public IReadOnlyList<PlacementPreference> Preferences { get; init; } = [];

    /// <summary>Platforms the image runs on; empty means any.</summary>
    public IReadOnlyList<Platform> Platforms { get; init; } = [];

    /// <summary>Ports published in host mode.</summary>
    public IReadOnlyList<HostPort> HostPorts { get; init; } = [];

    /// <summary>At most this many tasks of the service per node; 0 means no limit.</summary>
    public int MaxReplicasPerNode { get; init; }

    /// <summary>The per-task demand, built once and shared by every task of this spec.</summary>
    public TaskDemand Demand => _demand ??= new TaskDemand(ServiceId, NanoCpus, MemoryBytes, GenericResources, HostPorts);

    /// <summary>Checks the spec; throws one line naming the service, the field, the value and what is allowed.</summary>
    /// <exception cref="ArgumentException">A field is out of range.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ServiceId))
        {
            throw new ArgumentException("placement spec has an empty service id; allowed: a non-empty id");
        }

        if (NanoCpus < 0)
        {
            throw new ArgumentException($"service {ServiceId}: cpu reservation {NanoCpus} nano-CPUs is invalid; allowed: 0 or more");
        }

        if (MemoryBytes < 0)
        {
            throw new ArgumentException($"service {ServiceId}: memory reservation {MemoryBytes} bytes is invalid; allowed: 0 or more");
        }

        if (MaxReplicasPerNode < 0)
        {
            throw new ArgumentException($"service {ServiceId}: max replicas per node {MaxReplicasPerNode} is invalid; allowed: 0 (no limit) or more");
        }

        foreach (var (kind, count) in GenericResources)
        {
            if (string.IsNullOrWhiteSpace(kind) || count <= 0)
            {
                throw new ArgumentException($"service {ServiceId}: generic resource \"{kind}={count}\" is invalid; allowed: a non-empty kind with a count of 1 or more");
            }
        }

        var seen = new HashSet<int>();
        foreach (var port in HostPorts)
        {
            if (port.Port is < 1 or > 65535)
            {
                throw new ArgumentException($"service {ServiceId}: host port {port.Port} is invalid; allowed: 1-65535");
            }

            if (!seen.Add(port.Key))
            {
                throw new ArgumentException($"service {ServiceId}: host port {port} is published twice; allowed: each port and protocol once");
            }
        }
    }
}
