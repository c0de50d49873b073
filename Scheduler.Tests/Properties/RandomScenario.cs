using ClusterKit.Manager.Scheduling;
using static ClusterKit.Scheduler.Tests.TestCluster;

namespace ClusterKit.Scheduler.Tests.Properties;

/// <summary>What a scenario is made sure to contain, so that the property about it has something to check on every seed.</summary>
public enum ScenarioFocus
{
    None,

    /// <summary>The first batch has a placement constraint.</summary>
    Constraint,

    /// <summary>The first batch publishes a host port.</summary>
    HostPort,

    /// <summary>The first batch has a max-replicas-per-node limit.</summary>
    MaxReplicas,

    /// <summary>The first batch is a global service.</summary>
    Global,

    /// <summary>The first node is drained, paused or down.</summary>
    UnavailableNode,
}

/// <summary>A random cluster and round built from one seed that FsCheck supplies (and prints on failure).</summary>
internal sealed class RandomScenario
{
    private static readonly HostPort[] Ports = [new(80, PortProtocol.Tcp), new(80, PortProtocol.Udp), new(443, PortProtocol.Tcp)];

    private RandomScenario(List<NodeDescription> nodes, List<(string Node, string Task, TaskDemand Demand)> existing, List<TaskBatch> batches)
    {
        Nodes = nodes;
        Existing = existing;
        Batches = batches;
    }

    public List<NodeDescription> Nodes { get; }

    public List<(string Node, string Task, TaskDemand Demand)> Existing { get; }

    public List<TaskBatch> Batches { get; }

    public static RandomScenario Create(int seed, bool allowGlobal = true, PlacementStrategy? strategy = null, ScenarioFocus focus = ScenarioFocus.None)
    {
        var r = new Random(seed);
        var nodes = new List<NodeDescription>();
        var nodeCount = r.Next(1, 21);
        for (var i = 0; i < nodeCount; i++)
        {
            // The focused unavailable node: 0 drained, 1 paused, 2 down.
            var unavailable = focus == ScenarioFocus.UnavailableNode && i == 0;
            var roll = unavailable ? r.Next(3) : r.Next(10);
            var named = r.Next(4) == 0 ? new Dictionary<string, IReadOnlyList<string>> { ["gpu"] = [.. Enumerable.Range(0, r.Next(1, 3)).Select(g => $"GPU-{g}")] } : null;
            var discrete = named is null && r.Next(4) == 0 ? new Dictionary<string, long> { ["gpu"] = r.Next(1, 3) } : null;
            nodes.Add(Node(
                $"n{i}",
                cpus: r.Next(1, 17),
                memoryGiB: r.Next(1, 33),
                zone: r.Next(4) == 0 ? null : "z" + r.Next(3),
                availability: roll == 0 ? NodeAvailability.Drain : roll == 1 ? NodeAvailability.Pause : NodeAvailability.Active,
                state: (unavailable && roll == 2) | r.Next(10) == 0 ? NodeState.Down : NodeState.Ready,
                role: r.Next(5) == 0 ? NodeRole.Manager : NodeRole.Worker,
                platform: new Platform("linux", r.Next(4) == 0 ? "arm64" : "amd64"),
                generic: discrete,
                named: named) with
            {
                Resources = new NodeResources
                {
                    TotalNanoCpus = r.Next(1, 17) * Core,
                    TotalMemoryBytes = r.Next(1, 33) * GiB,
                    ReservedNanoCpus = r.Next(3) == 0 ? Core / 2 : 0,
                    ReservedMemoryBytes = r.Next(3) == 0 ? GiB / 2 : 0,
                    DiscreteGeneric = discrete ?? new Dictionary<string, long>(),
                    NamedGeneric = named ?? new Dictionary<string, IReadOnlyList<string>>(),
                },
            });
        }

        var batches = new List<TaskBatch>();
        var batchCount = r.Next(1, 7);
        for (var b = 0; b < batchCount; b++)
        {
            var first = b == 0;
            var global = (first && focus == ScenarioFocus.Global) || (allowGlobal && r.Next(8) == 0);
            var spec = new PlacementSpec
            {
                ServiceId = "s" + b,
                SpecVersion = 1,
                Mode = global ? ServiceMode.Global : ServiceMode.Replicated,
                Strategy = strategy ?? (r.Next(2) == 0 ? PlacementStrategy.BinPack : PlacementStrategy.Spread),
                ServiceAntiAffinity = r.Next(2) == 0,
                NanoCpus = r.Next(5) * (Core / 4),
                MemoryBytes = r.Next(9) * (GiB / 4),
                GenericResources = r.Next(6) == 0 ? new Dictionary<string, long> { ["gpu"] = 1 } : new Dictionary<string, long>(),
                Constraints = (first && focus == ScenarioFocus.Constraint) || r.Next(3) == 0 ? [PlacementConstraint.Parse((r.Next(2) == 0 ? "node.labels.zone==z" : "node.labels.zone!=z") + r.Next(3))] : r.Next(4) == 0 ? [PlacementConstraint.Parse("node.role==worker")] : [],
                Preferences = r.Next(3) == 0 ? [PlacementPreference.Parse("spread=node.labels.zone")] : [],
                Platforms = r.Next(3) == 0 ? [new Platform("linux", "amd64")] : [],
                HostPorts = (first && focus == ScenarioFocus.HostPort) || r.Next(4) == 0 ? [Ports[r.Next(Ports.Length)]] : [],
                MaxReplicasPerNode = (first && focus == ScenarioFocus.MaxReplicas) || r.Next(4) == 0 ? r.Next(1, 4) : 0,
            };
            batches.Add(Batch(spec, global ? nodeCount + r.Next(3) : r.Next(0, 31)));
        }

        // Some tasks already running, added only where they fit, so every node starts within capacity.
        var existing = new List<(string, string, TaskDemand)>();
        var probe = new ClusterState(nodes);
        for (var t = 0; t < r.Next(0, 15); t++)
        {
            var node = probe.Nodes[r.Next(nodeCount)];
            var demand = new TaskDemand("old" + r.Next(3), r.Next(3) * (Core / 2), r.Next(3) * (GiB / 2), null, r.Next(5) == 0 ? [Ports[r.Next(Ports.Length)]] : null);
            if (demand.NanoCpus <= node.AvailableNanoCpus && demand.MemoryBytes <= node.AvailableMemoryBytes && !demand.HostPorts.Any(node.IsHostPortInUse))
            {
                node.AddTask("e" + t, demand);
                existing.Add((node.Id, "e" + t, demand));
            }
        }

        return new RandomScenario(nodes, existing, batches);
    }

    /// <summary>
    /// Ready, active, unconstrained nodes and a round whose every task fits on the smallest node at once: both strategies
    /// must place everything, so their node counts can be compared on every seed.
    /// </summary>
    public static RandomScenario CreateRoomy(int seed, PlacementStrategy strategy)
    {
        var r = new Random(seed);
        var nodeCount = r.Next(2, 13);
        var nodes = Enumerable.Range(0, nodeCount).Select(i => Node($"n{i}", cpus: r.Next(4, 17), memoryGiB: r.Next(4, 33), zone: "z" + r.Next(3))).ToList();

        // At most 8 tasks of at most half a core and half a GiB each: 4 cores and 4 GiB, what the smallest node has.
        var batches = new List<TaskBatch>();
        var left = r.Next(1, 9);
        for (var b = 0; left > 0; b++)
        {
            var tasks = r.Next(1, left + 1);
            left -= tasks;
            var spec = Spec("s" + b, cpus: r.Next(1, 3) / 4.0, memoryGiB: r.Next(1, 3) / 4.0, strategy: strategy);
            batches.Add(Batch(spec, tasks));
        }

        return new RandomScenario(nodes, [], batches);
    }

    public ClusterState BuildCluster()
    {
        var cluster = new ClusterState(Nodes);
        foreach (var (node, task, demand) in Existing)
        {
            cluster.AddTask(node, task, demand);
        }

        return cluster;
    }
}
