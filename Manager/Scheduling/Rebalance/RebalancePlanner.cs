using ClusterKit.Manager.Scheduling.Filters;
using ClusterKit.Manager.Scheduling.Scoring;

namespace ClusterKit.Manager.Scheduling;

/// <summary>
/// Proposes moves for <c>ck service rebalance</c>: it evens out spread-mode services (no eligible
/// node more than one task above another) and defragments bin-pack services (empties the least
/// used nodes into fuller ones when everything on them fits elsewhere). It plans on a copy, so
/// the caller's view is untouched, and never proposes more than the move budget.
/// </summary>
public sealed class RebalancePlanner
{
    /// <param name="cluster">The current placement.</param>
    /// <param name="services">Specs of the services that may move; tasks of other services stay put.</param>
    /// <param name="maxMoves">The move budget, 1 or more.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxMoves"/> is below 1.</exception>
    public static RebalancePlan Plan(ClusterState cluster, IReadOnlyList<PlacementSpec> services, int maxMoves)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(services);
        if (maxMoves < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxMoves), maxMoves, $"rebalance move budget {maxMoves} is invalid; allowed: 1 or more");
        }

        var specs = new Dictionary<string, PlacementSpec>(StringComparer.Ordinal);
        foreach (var s in services)
        {
            s.Validate();
            specs[s.ServiceId] = s;
        }

        var plan = cluster.Clone();
        var moves = new List<TaskMove>();
        var evened = 0;

        // Spread services first: evening them out is what the operator asked for by choosing spread.
        foreach (var spec in specs.Values.OrderBy(s => s.ServiceId, StringComparer.Ordinal))
        {
            if (spec.Mode == ServiceMode.Replicated && spec.Strategy == PlacementStrategy.Spread && moves.Count < maxMoves)
            {
                var before = moves.Count;
                EvenOut(plan, spec, moves, maxMoves);
                evened += moves.Count > before ? 1 : 0;
            }
        }

        var freed = moves.Count < maxMoves ? Defragment(plan, specs, moves, maxMoves) : 0;
        return new RebalancePlan(moves, freed, evened);
    }

    /// <summary>Moves one task at a time from the node with most tasks of the service to the one with fewest.</summary>
    private static void EvenOut(ClusterState plan, PlacementSpec spec, List<TaskMove> moves, int maxMoves)
    {
        var pipeline = new FilterPipeline(new BatchContext(spec));
        var eligible = plan.Nodes.Where(pipeline.PassesStatic).OrderBy(n => n.Id, StringComparer.Ordinal).ToList();

        // With placement preferences, only even out among nodes that share every preference value,
        // so the spread over zones (or racks) that the preferences made is kept.
        var groups = eligible.GroupBy(n => string.Join('\u001f', spec.Preferences.Select(p => p.Attribute.ValueOf(n))), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var group in groups)
        {
            var nodes = group.ToList();
            while (moves.Count < maxMoves)
            {
                NodeInfo? from = null;
                NodeInfo? to = null;
                foreach (var n in nodes)
                {
                    var count = n.TasksOf(spec.ServiceId);
                    if (count > 0 && (from is null || count > from.TasksOf(spec.ServiceId)))
                    {
                        from = n;
                    }

                    if (pipeline.Capacity(n) > 0 && (to is null || count < to.TasksOf(spec.ServiceId)))
                    {
                        to = n;
                    }
                }

                if (from is null || to is null || from.TasksOf(spec.ServiceId) - to.TasksOf(spec.ServiceId) <= 1)
                {
                    break;
                }

                var task = from.Tasks.First(t => string.Equals(t.Demand.ServiceId, spec.ServiceId, StringComparison.Ordinal));
                Move(from, to, task, spec.Demand, moves, $"even out spread service {spec.ServiceId} ({from.TasksOf(spec.ServiceId)} tasks on {from.Id}, {to.TasksOf(spec.ServiceId)} on {to.Id})");
            }
        }
    }

    /// <summary>
    /// Least used node first: if every task on it belongs to a bin-pack service we may move and
    /// fits on a fuller node already in use, move them all and the node is free. Otherwise leave it.
    /// </summary>
    private static int Defragment(ClusterState plan, Dictionary<string, PlacementSpec> specs, List<TaskMove> moves, int maxMoves)
    {
        var pipelines = new Dictionary<string, FilterPipeline>(StringComparer.Ordinal);
        FilterPipeline PipelineOf(PlacementSpec s)
        {
            if (!pipelines.TryGetValue(s.ServiceId, out var p))
            {
                p = new FilterPipeline(new BatchContext(s));
                pipelines[s.ServiceId] = p;
            }

            return p;
        }

        var freed = 0;
        var sources = plan.Nodes.Where(n => n.TaskCount > 0).OrderBy(Utilisation).ThenBy(n => n.Id, StringComparer.Ordinal).ToList();
        var emptied = new HashSet<string>(StringComparer.Ordinal);
        foreach (var source in sources)
        {
            var tasks = source.Tasks;
            if (tasks.Count == 0 || moves.Count + tasks.Count > maxMoves)
            {
                continue;
            }

            if (!tasks.All(t => specs.TryGetValue(t.Demand.ServiceId, out var s) && s.Mode == ServiceMode.Replicated && s.Strategy == PlacementStrategy.BinPack))
            {
                continue;
            }

            var level = Utilisation(source);
            var done = new List<(PlacedTask Task, NodeInfo To)>();
            foreach (var task in tasks.OrderByDescending(t => t.Demand.NanoCpus + (t.Demand.MemoryBytes / 4)).ThenBy(t => t.TaskId, StringComparer.Ordinal))
            {
                var pipeline = PipelineOf(specs[task.Demand.ServiceId]);
                NodeInfo? best = null;
                var bestScore = double.MinValue;
                foreach (var n in plan.Nodes)
                {
                    // Only into fuller nodes already in use: moving into an empty node frees nothing.
                    if (ReferenceEquals(n, source) || n.TaskCount == 0 || emptied.Contains(n.Id) || Utilisation(n) < level
                        || !pipeline.PassesStatic(n) || pipeline.Capacity(n) < 1)
                    {
                        continue;
                    }

                    var score = BestFit.ScoreFitBinPack(
                        BestFit.FreeFraction(n.ReservableNanoCpus, n.AllocatedNanoCpus + task.Demand.NanoCpus),
                        BestFit.FreeFraction(n.ReservableMemoryBytes, n.AllocatedMemoryBytes + task.Demand.MemoryBytes));
                    if (score > bestScore || (score == bestScore && string.CompareOrdinal(n.Id, best!.Id) < 0))
                    {
                        best = n;
                        bestScore = score;
                    }
                }

                if (best is null)
                {
                    break;
                }

                source.RemoveTask(task.TaskId);
                best.AddTask(task.TaskId, task.Demand);
                done.Add((task, best));
            }

            if (done.Count == tasks.Count)
            {
                foreach (var (task, to) in done)
                {
                    moves.Add(new TaskMove(task.TaskId, task.Demand.ServiceId, source.Id, to.Id, $"defragment: empty node {source.Id}"));
                }

                emptied.Add(source.Id);
                freed++;
            }
            else
            {
                // Not everything fits: undo, the node stays as it was.
                foreach (var (task, to) in done)
                {
                    to.RemoveTask(task.TaskId);
                    source.AddTask(task.TaskId, task.Demand, task.NamedResources);
                }
            }

            if (moves.Count >= maxMoves)
            {
                break;
            }
        }

        return freed;
    }

    private static void Move(NodeInfo from, NodeInfo to, PlacedTask task, TaskDemand demand, List<TaskMove> moves, string reason)
    {
        moves.Add(new TaskMove(task.TaskId, demand.ServiceId, from.Id, to.Id, reason));
        from.RemoveTask(task.TaskId);
        to.AddTask(task.TaskId, task.Demand);
    }

    private static double Utilisation(NodeInfo n) => Math.Max(
        1 - BestFit.FreeFraction(n.ReservableNanoCpus, n.AllocatedNanoCpus),
        1 - BestFit.FreeFraction(n.ReservableMemoryBytes, n.AllocatedMemoryBytes));
}
