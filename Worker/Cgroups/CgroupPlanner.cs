using ClusterKit.Worker.Cgroups.V1;
using ClusterKit.Worker.Cgroups.V2;
using ClusterKit.Worker.Host;

namespace ClusterKit.Worker.Cgroups;

/// <summary>One hierarchy a container's cgroup lives in, with the controllers used there.</summary>
internal sealed record CgroupHierarchy(CgroupVersion Version, string MountPoint, IReadOnlyList<ICgroupController> Controllers)
{
    /// <summary>The controllers to switch on in cgroup.subtree_control above a v2 cgroup.</summary>
    public IEnumerable<string> LimitingControllerNames => Controllers.OfType<ILimitingController>().Select(c => c.Name);
}

/// <summary>Decides in which hierarchies a container's cgroup lives and which controller class serves each. Pure.</summary>
internal static class CgroupPlanner
{
    /// <summary>The controllers ClusterKit uses, in the order they are planned.</summary>
    public static readonly IReadOnlyList<string> UsedControllers = ["memory", "cpu", "cpuacct", "pids"];

    /// <summary>Planned after the others: on v2 it is not a controller but a BPF program.</summary>
    public const string DevicesController = "devices";

    public static IReadOnlyList<CgroupHierarchy> Plan(CgroupLayout layout, ISystemCalls systemCalls)
    {
        var v1 = new SortedDictionary<string, List<ICgroupController>>(StringComparer.Ordinal);
        var v2 = new List<ICgroupController>();
        foreach (var name in UsedControllers)
        {
            switch (layout.Locate(name))
            {
                case CgroupVersion.V1:
                    var mountPoint = layout.V1Mounts[name];
                    if (!v1.TryGetValue(mountPoint, out var onMount))
                    {
                        v1[mountPoint] = onMount = [];
                    }

                    onMount.Add(CreateV1(name));
                    break;
                case CgroupVersion.V2 when CreateV2(name) is { } controller:
                    v2.Add(controller);
                    break;
                default:
                    break;
            }
        }

        // Without cpuacct on v1, CPU time comes from the v2 cgroup's cpu.stat, present in every v2 cgroup.
        if (!layout.V1Mounts.ContainsKey("cpuacct") && layout.V2Root is not null)
        {
            v2.Add(new CpuStatV2());
        }

        // Devices: the v1 controller where mounted, else a BPF program on the v2 cgroup, which
        // needs no controller in cgroup.controllers (every v2 cgroup can hold one).
        if (layout.V1Mounts.TryGetValue(DevicesController, out var devicesMount))
        {
            if (!v1.TryGetValue(devicesMount, out var onMount))
            {
                v1[devicesMount] = onMount = [];
            }

            onMount.Add(new DevicesV1());
        }
        else if (layout.V2Root is not null)
        {
            v2.Add(new DevicesV2(systemCalls));
        }

        var hierarchies = v1.Select(pair => new CgroupHierarchy(CgroupVersion.V1, pair.Key, pair.Value)).ToList();
        if (v2.Count > 0)
        {
            hierarchies.Add(new CgroupHierarchy(CgroupVersion.V2, layout.V2Root!, v2));
        }

        return hierarchies;
    }

    private static ICgroupController CreateV1(string name) => name switch
    {
        "memory" => new MemoryV1(),
        "cpu" => new CpuV1(),
        "cpuacct" => new CpuacctV1(),
        "pids" => new PidsV1(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no v1 controller class"),
    };

    // v2 has no cpuacct: its accounting is the core cpu.stat file (CpuStatV2).
    private static ICgroupController? CreateV2(string name) => name switch
    {
        "memory" => new MemoryV2(),
        "cpu" => new CpuV2(),
        "pids" => new PidsV2(),
        _ => null,
    };
}
