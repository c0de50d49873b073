using System.Globalization;
using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;
using TaskStatus = ClusterKit.Proto.Manager.V1.TaskStatus;

namespace ClusterKit.Bench.Store;

/// <summary>A seeded store: services with replicas spread over nodes, the way a busy cluster looks.</summary>
internal static class Workload
{
    public static string NodeId(int i) => "node-" + i.ToString("D5", CultureInfo.InvariantCulture);

    public static string ServiceId(int i) => "svc-" + i.ToString("D5", CultureInfo.InvariantCulture);

    public static string ServiceName(int i) => "app-" + i.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// <paramref name="tasks"/> tasks over <paramref name="services"/> services (the same number each) and
    /// <paramref name="nodes"/> nodes chosen at random; one task in ten is a shut-down older one.
    /// </summary>
    public static StoreSnapshot Snapshot(int services, int tasks, int nodes, Random random)
    {
        const ulong version = 1;
        var snapshot = new StoreSnapshot { Version = version };
        for (var n = 0; n < nodes; n++)
        {
            snapshot.Nodes.Add(new Node
            {
                Id = NodeId(n),
                Version = version,
                Description = new NodeDescription { Hostname = "host-" + n.ToString(CultureInfo.InvariantCulture) },
                Status = new NodeStatus { State = NodeState.Ready },
            });
        }

        var specs = new ContainerSpec[services];
        for (var s = 0; s < services; s++)
        {
            specs[s] = new ContainerSpec
            {
                Image = $"registry.local/team-{s % 40}/{ServiceName(s)}:1.{s % 7}",
                Env = { "MODE=production", "SERVICE=" + ServiceName(s) },
            };
            snapshot.Services.Add(new Service
            {
                Id = ServiceId(s),
                Version = version,
                SpecVersion = 1,
                Spec = new ServiceSpec { Name = ServiceName(s), Mode = ServiceMode.Replicated, Replicas = (ulong)(tasks / services), Container = specs[s] },
            });
        }

        for (var t = 0; t < tasks; t++)
        {
            var s = t % services;
            var running = random.Next(10) != 0;
            snapshot.Tasks.Add(new ClusterTask
            {
                Id = "task-" + t.ToString("D7", CultureInfo.InvariantCulture),
                Version = version,
                ServiceId = ServiceId(s),
                Slot = (ulong)(t / services) + 1,
                NodeId = NodeId(random.Next(nodes)),
                DesiredState = running ? TaskState.Running : TaskState.Shutdown,
                Status = new TaskStatus
                {
                    State = running ? TaskState.Running : TaskState.Shutdown,
                    TimestampUnixMs = 1_800_000_000_000 + t,
                    ContainerId = t.ToString("x12", CultureInfo.InvariantCulture),
                },
                Container = specs[s],
                Reservations = new Resources { NanoCpus = 100_000_000, MemoryBytes = 128L << 20 },
                ServiceSpecVersion = 1,
            });
        }

        return snapshot;
    }

    public static int Bytes(IMessage message) => message.CalculateSize();
}
