namespace ClusterKit.Manager.Scheduling.Filters;

/// <summary>
/// The ordered feasibility checks for one batch. A node is counted under the first filter that
/// rejects it, so the order is also the order of blame in explanations.
/// </summary>
internal sealed class FilterPipeline
{
    // Static filters first: their verdicts hold for the whole batch, so the placer evaluates them
    // once per node and batch. Readiness leads because a down or drained node is the reason a
    // person acts on first; constraints before platform because operators write constraints.
    // Then the dynamic ones, which change as tasks land: resources, host ports, replicas per node.
    private static readonly INodeFilter[] All =
    [
        ReadyFilter.Instance,
        ConstraintFilter.Instance,
        PlatformFilter.Instance,
        ResourceFilter.Instance,
        HostPortFilter.Instance,
        MaxReplicasFilter.Instance,
    ];

    private readonly INodeFilter[] _static;
    private readonly INodeFilter[] _dynamic;

    public FilterPipeline(BatchContext batch)
    {
        Batch = batch;
        var s = new List<INodeFilter>(All.Length);
        var d = new List<INodeFilter>(All.Length);
        foreach (var f in All)
        {
            if (f.AppliesTo(batch))
            {
                (f.IsStatic ? s : d).Add(f);
            }
        }

        _static = [.. s];
        _dynamic = [.. d];
    }

    public BatchContext Batch { get; }

    /// <summary>True when no static filter rejects the node.</summary>
    public bool PassesStatic(NodeInfo node)
    {
        foreach (var f in _static)
        {
            if (f.Check(node, Batch) != 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// How many more tasks of the batch the node can take, given it passes the static filters.
    /// Tasks of a batch are identical, so this is exact: it is 0 exactly when a dynamic filter rejects.
    /// </summary>
    public long Capacity(NodeInfo node)
    {
        var d = Batch.Demand;
        var cap = long.MaxValue;
        if (d.NanoCpus > 0)
        {
            cap = Math.Max(0, node.AvailableNanoCpus) / d.NanoCpus;
        }

        if (d.MemoryBytes > 0)
        {
            cap = Math.Min(cap, Math.Max(0, node.AvailableMemoryBytes) / d.MemoryBytes);
        }

        for (var i = 0; i < d.GenericKinds.Length && cap > 0; i++)
        {
            cap = Math.Min(cap, Math.Max(0, node.AvailableGeneric(d.GenericKinds[i])) / d.GenericCounts[i]);
        }

        if (d.PortKeys.Length > 0 && cap > 0)
        {
            foreach (var key in d.PortKeys)
            {
                if (node.IsHostPortKeyInUse(key))
                {
                    return 0;
                }
            }

            cap = Math.Min(cap, 1);
        }

        if (Batch.MaxPerNode > 0 && cap > 0)
        {
            cap = Math.Min(cap, Math.Max(0, Batch.MaxPerNode - node.TasksOf(Batch.ServiceId)));
        }

        return cap;
    }

    /// <summary>Counts, over every node, the first filter and reason that rejects it.</summary>
    public PlacementExplanation Explain(IReadOnlyList<NodeInfo> nodes)
    {
        var counts = new List<(int Filter, int Reason, int Count)>();
        foreach (var node in nodes)
        {
            var (filter, reason) = FirstRejection(node);
            if (filter < 0)
            {
                continue;
            }

            var found = false;
            for (var i = 0; i < counts.Count; i++)
            {
                if (counts[i].Filter == filter && counts[i].Reason == reason)
                {
                    counts[i] = (filter, reason, counts[i].Count + 1);
                    found = true;
                    break;
                }
            }

            if (!found)
            {
                counts.Add((filter, reason, 1));
            }
        }

        // Biggest group first; ties in pipeline order so the message is stable.
        counts.Sort(static (a, b) => a.Count != b.Count ? b.Count.CompareTo(a.Count)
            : a.Filter != b.Filter ? a.Filter.CompareTo(b.Filter) : a.Reason.CompareTo(b.Reason));
        var rejections = new RejectionCount[counts.Count];
        for (var i = 0; i < counts.Count; i++)
        {
            var f = All[counts[i].Filter];
            rejections[i] = new RejectionCount(f.Name, f.Explain(counts[i].Reason, Batch), counts[i].Count);
        }

        return new PlacementExplanation(nodes.Count, rejections);
    }

    private (int Filter, int Reason) FirstRejection(NodeInfo node)
    {
        for (var i = 0; i < All.Length; i++)
        {
            var f = All[i];
            if (!f.AppliesTo(Batch))
            {
                continue;
            }

            var reason = f.Check(node, Batch);
            if (reason != 0)
            {
                return (i, reason);
            }
        }

        return (-1, 0);
    }
}
