using ClusterKit.Manager.Scheduling;

namespace ClusterKit.Bench.Scheduler;

/// <summary>Builds the benchmark clusters and reconcile rounds from a seed.</summary>
internal static class Workload
{
    public const long Core = 1_000_000_000;
    public const long GiB = 1L << 30;

    private static readonly (double Cpus, double MemoryGiB, double Share)[] NodeSizes =
    [
        (8, 32, 0.3),
        (16, 64, 0.4),
        (32, 128, 0.2),
        (64, 256, 0.1),
    ];

    private static readonly double[] TaskCpus = [0.05, 0.1, 0.1, 0.15, 0.2, 0.3];
    private static readonly double[] TaskMemoryGiB = [0.125, 0.25, 0.5, 0.5, 1, 1.5];

    /// <summary>Mixed node sizes over 3 zones and 8 racks per zone, half with ssd, 0.5% managers.</summary>
    public static List<NodeDescription> MixedNodes(int count, Random random)
    {
        var nodes = new List<NodeDescription>(count);
        for (var i = 0; i < count; i++)
        {
            var roll = random.NextDouble();
            var size = NodeSizes[^1];
            foreach (var s in NodeSizes)
            {
                if (roll < s.Share)
                {
                    size = s;
                    break;
                }

                roll -= s.Share;
            }

            nodes.Add(NodeOf($"node-{i:D5}", size.Cpus, size.MemoryGiB, i, random));
        }

        return nodes;
    }

    /// <summary>Identical nodes: the case where the packing lower bound is exact.</summary>
    public static List<NodeDescription> UniformNodes(int count, Random random)
    {
        var nodes = new List<NodeDescription>(count);
        for (var i = 0; i < count; i++)
        {
            nodes.Add(NodeOf($"node-{i:D5}", 16, 64, i, random) with
            {
                Resources = new NodeResources { TotalNanoCpus = 16 * Core, TotalMemoryBytes = 64 * GiB },
            });
        }

        return nodes;
    }

    private static NodeDescription NodeOf(string id, double cpus, double memoryGiB, int i, Random random) => new()
    {
        Id = id,
        Hostname = "host-" + id,
        Role = i % 200 == 0 ? NodeRole.Manager : NodeRole.Worker,
        Platform = new Platform("linux", i % 10 == 9 ? "arm64" : "amd64"),
        Labels = new Dictionary<string, string>
        {
            ["zone"] = "z" + (i % 3),
            ["rack"] = "r" + random.Next(8),
            ["disk"] = random.Next(2) == 0 ? "ssd" : "hdd",
        },
        Resources = new NodeResources
        {
            TotalNanoCpus = (long)(cpus * Core),
            TotalMemoryBytes = (long)(memoryGiB * GiB),
            ReservedNanoCpus = Core / 2,
            ReservedMemoryBytes = GiB,
        },
    };

    /// <summary>
    /// One reconcile round: <paramref name="services"/> batches summing to <paramref name="tasks"/> tasks,
    /// two of them global; some with constraints, preferences, host ports or a per-node cap.
    /// </summary>
    public static List<TaskBatch> MixedRound(int services, int tasks, int nodes, Random random, bool features, bool nodeShaped = false)
    {
        var batches = new List<TaskBatch>(services);
        var globals = features ? Math.Min(2, services) : 0;
        var replicatedTasks = tasks - (globals * nodes);
        var replicated = services - globals;
        var sizes = new int[replicated];
        long sum = 0;
        for (var i = 0; i < replicated; i++)
        {
            sizes[i] = 1 + random.Next(2 * replicatedTasks / replicated);
            sum += sizes[i];
        }

        // Scale so the round holds exactly the requested number of tasks.
        long assigned = 0;
        for (var i = 0; i < replicated; i++)
        {
            sizes[i] = Math.Max(1, (int)(sizes[i] * (double)replicatedTasks / sum));
            assigned += sizes[i];
        }

        sizes[0] += (int)(replicatedTasks - assigned);

        for (var g = 0; g < globals; g++)
        {
            var spec = new PlacementSpec
            {
                ServiceId = $"global-{g}",
                SpecVersion = 1,
                Mode = ServiceMode.Global,
                NanoCpus = Core / 20,
                MemoryBytes = GiB / 16,
            };
            batches.Add(new TaskBatch(spec, Ids(spec.ServiceId, nodes)));
        }

        for (var s = 0; s < replicated; s++)
        {
            var id = $"svc-{s:D4}";
            var kind = features ? random.Next(100) : 99;
            var constraints = new List<PlacementConstraint>();
            var preferences = new List<PlacementPreference>();
            var ports = new List<HostPort>();
            var maxPerNode = 0;
            var count = sizes[s];
            if (kind < 10)
            {
                constraints.Add(PlacementConstraint.Parse("node.labels.disk==ssd"));
            }
            else if (kind < 15)
            {
                constraints.Add(PlacementConstraint.Parse($"node.labels.zone==z{random.Next(3)}"));
                constraints.Add(PlacementConstraint.Parse("node.role!=manager"));
            }
            else if (kind < 35)
            {
                preferences.Add(PlacementPreference.Parse("spread=node.labels.zone"));
            }
            else if (kind < 40)
            {
                preferences.Add(PlacementPreference.Parse("spread=node.labels.zone"));
                preferences.Add(PlacementPreference.Parse("spread=node.labels.rack"));
            }
            else if (kind < 45)
            {
                maxPerNode = 2;
            }
            else if (kind < 46)
            {
                ports.Add(new HostPort(10000 + s, PortProtocol.Tcp));
                count = Math.Min(count, nodes / 2);
            }

            var cpu = (long)(TaskCpus[random.Next(TaskCpus.Length)] * Core);
            var spec2 = new PlacementSpec
            {
                ServiceId = id,
                SpecVersion = 1,
                NanoCpus = cpu,
                MemoryBytes = nodeShaped ? cpu * 4 * GiB / Core : (long)(TaskMemoryGiB[random.Next(TaskMemoryGiB.Length)] * GiB),
                Constraints = constraints,
                Preferences = preferences,
                HostPorts = ports,
                MaxReplicasPerNode = maxPerNode,
                Platforms = kind == 50 ? [new Platform("linux", "amd64")] : [],
            };
            batches.Add(new TaskBatch(spec2, Ids(id, count)));
        }

        return batches;
    }

    private static string[] Ids(string service, int count)
    {
        var ids = new string[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = service + "." + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return ids;
    }
}
