using ClusterKit.Manager.Scheduling.Filters;
using ClusterKit.Manager.Scheduling.Scoring;

namespace ClusterKit.Manager.Scheduling.Placement;

/// <summary>
/// Places one batch at a time on a cluster, reusing its buffers between batches.
/// The chain per batch, in order:
/// 1. static filters once per node (ready, constraints, platform): the candidate set;
/// 2. exact capacity per candidate (how many of these identical tasks still fit);
/// 3. placement preferences split the task count over label values (water-filling, Swarm's tree);
/// 4. in each leaf a max-heap on score (fit + anti-affinity, seeded tie-break) takes the best node,
///    places one task and re-scores only that node; a node leaves the heap when its capacity is spent;
/// 5. whatever is left is explained by re-running the whole pipeline over every node.
/// </summary>
internal sealed class BatchPlacer
{
    private readonly IReadOnlyList<NodeInfo> _nodes;
    private readonly ulong[] _tie;
    private readonly int[] _candidates;
    private readonly long[] _capacity;
    private readonly double[] _score;
    private readonly int[] _heap;

    private BatchContext _batch = null!;
    private FilterPipeline _pipeline = null!;
    private NodeScorer _scorer = null!;
    private BatchResult _result = null!;
    private IReadOnlyList<string> _taskIds = [];
    private int _next;

    /// <param name="nodes">The cluster's nodes.</param>
    /// <param name="tieBreak">The seeded order among equally scored nodes, per node index.</param>
    public BatchPlacer(IReadOnlyList<NodeInfo> nodes, ulong[] tieBreak)
    {
        _nodes = nodes;
        _tie = tieBreak;
        var n = nodes.Count;
        _candidates = new int[n];
        _capacity = new long[n];
        _score = new double[n];
        _heap = new int[n];
    }

    /// <summary>The round's fill plan for bin-pack batches; null places each task by BestFit alone.</summary>
    public PackingPlan? Plan { get; set; }

    public BatchResult Place(TaskBatch batch)
    {
        _batch = new BatchContext(batch.Spec);
        _pipeline = new FilterPipeline(_batch);
        _result = new BatchResult(batch);
        _taskIds = batch.TaskIds;
        _next = 0;
        _result.Assignments.EnsureCapacity(_taskIds.Count);

        var count = 0;
        long existing = 0;
        var countExisting = _batch.Spec.ServiceAntiAffinity;
        for (var i = 0; i < _nodes.Count; i++)
        {
            var node = _nodes[i];
            if (!_pipeline.PassesStatic(node))
            {
                continue;
            }

            _candidates[count] = i;
            _capacity[count] = _pipeline.Capacity(node);
            if (countExisting)
            {
                existing += node.TasksOf(_batch.ServiceId);
            }

            count++;
        }

        _scorer = new NodeScorer(_batch, existing + _taskIds.Count, Plan);
        if (_taskIds.Count > 0 && count > 0)
        {
            var positions = new PositionRange(0, count);
            if (_batch.Spec.Preferences.Count > 0)
            {
                var all = new int[count];
                for (var p = 0; p < count; p++)
                {
                    all[p] = p;
                }

                Distribute(all, 0, _taskIds.Count);
            }
            else
            {
                PlaceOnHeap(positions, null, _taskIds.Count);
            }
        }

        if (_next < _taskIds.Count)
        {
            var explanation = _pipeline.Explain(_nodes);
            _result.Explanation = explanation;
            for (var t = _next; t < _taskIds.Count; t++)
            {
                _result.Unplaced.Add(new UnplacedTask(_taskIds[t], explanation));
            }
        }

        if (_batch.Global)
        {
            ReportGlobal();
        }

        return _result;
    }

    /// <summary>Spreads <paramref name="tasks"/> over the values of preference <paramref name="level"/>, then recurses.</summary>
    private void Distribute(int[] positions, int level, int tasks)
    {
        var preferences = _batch.Spec.Preferences;
        if (level == preferences.Count)
        {
            PlaceOnHeap(default, positions, tasks);
            return;
        }

        var attribute = preferences[level].Attribute;
        var groups = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        foreach (var p in positions)
        {
            var value = attribute.ValueOf(_nodes[_candidates[p]]);
            if (!groups.TryGetValue(value, out var list))
            {
                list = [];
                groups[value] = list;
            }

            list.Add(p);
        }

        var keys = groups.Keys.Order(StringComparer.Ordinal).ToArray();
        var assigned = new int[keys.Length];
        var room = new long[keys.Length];
        var queue = new PriorityQueue<int, (long Load, int Order)>(keys.Length);
        for (var g = 0; g < keys.Length; g++)
        {
            long load = 0;
            long capacity = 0;
            foreach (var p in groups[keys[g]])
            {
                load += _nodes[_candidates[p]].TasksOf(_batch.ServiceId);
                capacity = capacity > long.MaxValue - _capacity[p] ? long.MaxValue : capacity + _capacity[p];
            }

            room[g] = capacity;
            if (capacity > 0)
            {
                queue.Enqueue(g, (load, g));
            }
        }

        // Water-filling: each task goes to the value with the fewest tasks of the service that
        // still has room, so existing imbalance is evened out first (as Swarm does).
        for (var t = 0; t < tasks && queue.TryDequeue(out var g, out var key); t++)
        {
            assigned[g]++;
            if (assigned[g] < room[g])
            {
                queue.Enqueue(g, (key.Load + 1, g));
            }
        }

        for (var g = 0; g < keys.Length; g++)
        {
            if (assigned[g] > 0)
            {
                Distribute([.. groups[keys[g]]], level + 1, assigned[g]);
            }
        }
    }

    /// <summary>Places up to <paramref name="tasks"/> tasks on the given candidates, best score first.</summary>
    private void PlaceOnHeap(PositionRange range, int[]? positions, int tasks)
    {
        var heap = _heap;
        var size = 0;
        var total = positions?.Length ?? range.Count;
        for (var k = 0; k < total; k++)
        {
            var p = positions is null ? range.Start + k : positions[k];
            if (_capacity[p] > 0)
            {
                _score[p] = _scorer.Score(_nodes[_candidates[p]], _candidates[p]);
                heap[size++] = p;
            }
        }

        for (var i = (size / 2) - 1; i >= 0; i--)
        {
            SiftDown(heap, size, i);
        }

        var demand = _batch.Demand;
        var named = demand.GenericKinds.Length > 0;
        for (var placed = 0; placed < tasks && size > 0; placed++)
        {
            var p = heap[0];
            var node = _nodes[_candidates[p]];
            var taskId = _taskIds[_next++];
            node.AddTask(taskId, demand);
            _result.Assignments.Add(new TaskAssignment(taskId, node.Id));
            if (named && node.TryGetTask(taskId, out var placedTask) && placedTask.NamedResources.Count > 0)
            {
                _result.NamedResources[taskId] = placedTask.NamedResources;
            }

            if (--_capacity[p] == 0)
            {
                heap[0] = heap[--size];
            }
            else
            {
                _score[p] = _scorer.Score(node, _candidates[p]);
                if (size > 1 && _score[p] + _scorer.RunSlack >= Math.Max(_score[heap[1]], size > 2 ? _score[heap[2]] : double.MinValue))
                {
                    // Still within the scorer's slack of the best: the node takes the next task too,
                    // while its data is in cache. The heap below the root is untouched.
                    continue;
                }
            }

            // Only the root changed: if its score rose (plain BestFit) it stays, if it fell (the fill
            // plan, spread, anti-affinity) it sinks.
            SiftDown(heap, size, 0);
        }
    }

    private void SiftDown(int[] heap, int size, int i)
    {
        var item = heap[i];
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= size)
            {
                break;
            }

            if (child + 1 < size && Better(heap[child + 1], heap[child]))
            {
                child++;
            }

            if (!Better(heap[child], item))
            {
                break;
            }

            heap[i] = heap[child];
            i = child;
        }

        heap[i] = item;
    }

    private bool Better(int a, int b)
    {
        var sa = _score[a];
        var sb = _score[b];
        return sa > sb || (sa == sb && _tie[_candidates[a]] < _tie[_candidates[b]]);
    }

    private void ReportGlobal()
    {
        var missing = new List<string>();
        var vacate = new List<string>();
        foreach (var node in _nodes)
        {
            var running = node.TasksOf(_batch.ServiceId) > 0;
            if (_pipeline.PassesStatic(node))
            {
                if (!running)
                {
                    missing.Add(node.Id);
                }
            }
            else if (running && NoLongerEligible(node))
            {
                vacate.Add(node.Id);
            }
        }

        _result.GlobalNodesWithoutTask = missing;
        _result.GlobalNodesToVacate = vacate;
    }

    // Paused and down nodes keep their global task (pause means "nothing new"; a down node may
    // come back); drained nodes and nodes that no longer match the spec give it up.
    private bool NoLongerEligible(NodeInfo node) =>
        node.Description.Availability == NodeAvailability.Drain
        || (ConstraintFilter.Instance.AppliesTo(_batch) && ConstraintFilter.Instance.Check(node, _batch) != 0)
        || (PlatformFilter.Instance.AppliesTo(_batch) && PlatformFilter.Instance.Check(node, _batch) != 0);

    private readonly record struct PositionRange(int Start, int Count);
}
