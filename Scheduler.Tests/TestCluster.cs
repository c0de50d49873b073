using ClusterKit.Manager.Scheduling;

namespace ClusterKit.Scheduler.Tests;

/// <summary>Builds nodes and specs in memory for the scheduler tests.</summary>
internal static class TestCluster
{
    public const long Core = 1_000_000_000;
    public const long GiB = 1L << 30;
    public const long MiB = 1L << 20;

    public static NodeDescription Node(
        string id,
        double cpus = 4,
        double memoryGiB = 8,
        string? zone = null,
        NodeAvailability availability = NodeAvailability.Active,
        NodeState state = NodeState.Ready,
        NodeRole role = NodeRole.Worker,
        Platform? platform = null,
        IReadOnlyDictionary<string, string>? labels = null,
        IReadOnlyDictionary<string, long>? generic = null,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? named = null)
    {
        var l = labels is null ? new Dictionary<string, string>() : new Dictionary<string, string>(labels);
        if (zone is not null)
        {
            l["zone"] = zone;
        }

        return new NodeDescription
        {
            Id = id,
            Hostname = "host-" + id,
            Role = role,
            Availability = availability,
            State = state,
            Platform = platform ?? new Platform("linux", "amd64"),
            Labels = l,
            Resources = new NodeResources
            {
                TotalNanoCpus = (long)(cpus * Core),
                TotalMemoryBytes = (long)(memoryGiB * GiB),
                DiscreteGeneric = generic ?? new Dictionary<string, long>(),
                NamedGeneric = named ?? new Dictionary<string, IReadOnlyList<string>>(),
            },
        };
    }

    public static PlacementSpec Spec(
        string service,
        double cpus = 1,
        double memoryGiB = 1,
        PlacementStrategy strategy = PlacementStrategy.BinPack,
        bool antiAffinity = false,
        ServiceMode mode = ServiceMode.Replicated,
        string[]? constraints = null,
        string[]? preferences = null,
        HostPort[]? ports = null,
        int maxPerNode = 0,
        Platform[]? platforms = null,
        IReadOnlyDictionary<string, long>? generic = null) => new()
        {
            ServiceId = service,
            SpecVersion = 1,
            NanoCpus = (long)(cpus * Core),
            MemoryBytes = (long)(memoryGiB * GiB),
            Strategy = strategy,
            ServiceAntiAffinity = antiAffinity,
            Mode = mode,
            Constraints = [.. (constraints ?? []).Select(PlacementConstraint.Parse)],
            Preferences = [.. (preferences ?? []).Select(PlacementPreference.Parse)],
            HostPorts = ports ?? [],
            MaxReplicasPerNode = maxPerNode,
            Platforms = platforms ?? [],
            GenericResources = generic ?? new Dictionary<string, long>(),
        };

    public static TaskBatch Batch(PlacementSpec spec, int tasks, string prefix = "t") =>
        new(spec, [.. Enumerable.Range(0, tasks).Select(i => $"{spec.ServiceId}-{prefix}{i}")]);

    public static ClusterState Cluster(params NodeDescription[] nodes) => new(nodes);

    public static Dictionary<string, int> CountByNode(BatchResult result) =>
        result.Assignments.GroupBy(a => a.NodeId).ToDictionary(g => g.Key, g => g.Count());
}
