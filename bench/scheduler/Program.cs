using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ClusterKit.Bench.Scheduler;
using ClusterKit.Manager.Scheduling;

// Scheduler benchmark: prints one JSON object. Usage:
//   dotnet run -c Release --project bench/scheduler -- [--nodes 10000] [--tasks 1000000] [--services 1000] [--seed 1] [--anchor-tasks 20000]
var options = Options.Parse(args);
var scheduler = new Scheduler();
double? mixedCpuRate = null;
var output = new MemoryStream();
using (var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true }))
{
    json.WriteStartObject();
    json.WriteString("benchmark", "scheduler");
    json.WriteString("command", "dotnet run -c Release --project bench/scheduler -- " + string.Join(' ', args));
    json.WriteNumber("nodes", options.Nodes);
    json.WriteNumber("services", options.Services);
    json.WriteNumber("seed", options.Seed);
    json.WriteNumber("processors", Environment.ProcessorCount);

    // 1. The whole round in one call, single thread: placements per second.
    if (options.Runs("mixed"))
    {
        var cluster = new ClusterState(Workload.MixedNodes(options.Nodes, new Random(options.Seed)));
        var round = Workload.MixedRound(options.Services, options.Tasks, options.Nodes, new Random(options.Seed + 1), features: true);
        var tasks = round.Sum(b => b.TaskIds.Count);
        Warmup(scheduler, options);
        GC.Collect();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var pauseBefore = GC.GetTotalPauseDuration();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var result = scheduler.Schedule(cluster, round, (ulong)options.Seed);
        sw.Stop();
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        var pause = GC.GetTotalPauseDuration() - pauseBefore;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        json.WriteStartObject("mixed_round");
        json.WriteNumber("tasks", tasks);
        json.WriteNumber("batches", round.Count);
        json.WriteNumber("placed", result.Placed);
        json.WriteNumber("unplaced", result.Unplaced);
        json.WriteNumber("seconds", Math.Round(sw.Elapsed.TotalSeconds, 3));
        json.WriteNumber("placements_per_second", Math.Round(result.Placed / sw.Elapsed.TotalSeconds));
        json.WriteNumber("cpu_seconds", Math.Round(cpuSeconds, 3));
        json.WriteNumber("placements_per_cpu_second", Math.Round(result.Placed / cpuSeconds));
        mixedCpuRate = result.Placed / cpuSeconds;
        json.WriteNumber("gc_pause_seconds", Math.Round(pause.TotalSeconds, 3));
        json.WriteNumber("allocated_bytes_per_placement", Math.Round((double)allocated / Math.Max(1, result.Placed), 1));
        json.WriteNumber("nodes_used", cluster.Nodes.Count(n => n.TaskCount > 0));
        json.WriteNumber("cpu_utilisation", Math.Round(cluster.Nodes.Sum(n => (double)n.AllocatedNanoCpus) / cluster.Nodes.Sum(n => (double)n.ReservableNanoCpus), 4));
        json.WriteNumber("memory_utilisation", Math.Round(cluster.Nodes.Sum(n => (double)n.AllocatedMemoryBytes) / cluster.Nodes.Sum(n => (double)n.ReservableMemoryBytes), 4));
        var firstUnplaced = result.Batches.FirstOrDefault(b => b.Explanation is not null);
        if (firstUnplaced is not null)
        {
            json.WriteString("example_explanation", $"{firstUnplaced.ServiceId}: {firstUnplaced.Explanation!.Message}");
        }

        json.WriteEndObject();
    }

    // 2. The same round one batch per call, to time each batch.
    if (options.Runs("batches"))
    {
        var cluster = new ClusterState(Workload.MixedNodes(options.Nodes, new Random(options.Seed)));
        var round = Workload.MixedRound(options.Services, options.Tasks, options.Nodes, new Random(options.Seed + 1), features: true);
        var times = new List<double>(round.Count);
        foreach (var batch in round.OrderBy(b => b.Spec.Mode == ServiceMode.Global ? 0 : 1).ThenByDescending(b => Math.Max(b.Spec.NanoCpus / 64.0, b.Spec.MemoryBytes / 256.0)))
        {
            var sw = Stopwatch.StartNew();
            scheduler.Schedule(cluster, [batch], (ulong)options.Seed);
            times.Add(sw.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        json.WriteStartObject("per_batch_ms");
        json.WriteNumber("batches", times.Count);
        json.WriteNumber("mean_tasks_per_batch", Math.Round(round.Average(b => b.TaskIds.Count), 1));
        json.WriteNumber("p50", Math.Round(Percentile(times, 0.50), 3));
        json.WriteNumber("p99", Math.Round(Percentile(times, 0.99), 3));
        json.WriteNumber("max", Math.Round(times[^1], 3));
        json.WriteEndObject();
    }

    // 3. Packing quality on identical nodes, where ceil(demand / node capacity) is a true lower bound:
    //    tasks with independent CPU and memory sizes (2-D), and tasks shaped like the nodes (1-D).
    foreach (var (section, nodeShaped) in new[] { ("uniform_packing", false), ("uniform_packing_node_shaped", true) })
    {
        if (!options.Runs("packing"))
        {
            break;
        }

        var uniformTasks = (int)(options.Tasks * 0.6);
        json.WriteStartObject(section);
        json.WriteNumber("tasks", uniformTasks);
        var variants = new (string Name, PlacementStrategy Strategy, bool AntiAffinity, bool Plan)[]
        {
            ("bin_pack", PlacementStrategy.BinPack, true, true),
            ("bin_pack_no_anti_affinity", PlacementStrategy.BinPack, false, true),
            ("bin_pack_plain_bestfit", PlacementStrategy.BinPack, true, false),
            ("spread", PlacementStrategy.Spread, true, true),
        };
        foreach (var (name, strategy, antiAffinity, plan) in variants)
        {
            var cluster = new ClusterState(Workload.UniformNodes(options.Nodes, new Random(options.Seed)));
            var round = Workload.MixedRound(options.Services, uniformTasks, options.Nodes, new Random(options.Seed + 2), features: false, nodeShaped)
                .Select(b => new TaskBatch(Copy(b.Spec, strategy, antiAffinity), b.TaskIds)).ToList();
            var cpu = round.Sum(b => (double)b.Spec.NanoCpus * b.TaskIds.Count);
            var memory = round.Sum(b => (double)b.Spec.MemoryBytes * b.TaskIds.Count);
            var node = cluster.Nodes[0];
            var lowerBound = (long)Math.Max(Math.Ceiling(cpu / node.ReservableNanoCpus), Math.Ceiling(memory / node.ReservableMemoryBytes));
            GC.Collect();
            var pauseBefore = GC.GetTotalPauseDuration();
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            var result = new Scheduler { PlanBinPack = plan }.Schedule(cluster, round, (ulong)options.Seed);
            sw.Stop();
            var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
            var pause = GC.GetTotalPauseDuration() - pauseBefore;
            var used = cluster.Nodes.Count(n => n.TaskCount > 0);
            json.WriteStartObject(name);
            json.WriteNumber("placed", result.Placed);
            json.WriteNumber("unplaced", result.Unplaced);
            json.WriteNumber("nodes_used", used);
            json.WriteNumber("lower_bound", lowerBound);
            json.WriteNumber("ratio_to_lower_bound", Math.Round((double)used / lowerBound, 4));
            json.WriteNumber("demand_cpu_nodes", Math.Round(cpu / node.ReservableNanoCpus, 1));
            json.WriteNumber("demand_memory_nodes", Math.Round(memory / node.ReservableMemoryBytes, 1));

            // Which resource strands: the mean free fraction of each on the nodes in use.
            var usedNodes = cluster.Nodes.Where(n => n.TaskCount > 0).ToList();
            json.WriteNumber("used_free_cpu", Math.Round(usedNodes.Average(n => 1 - ((double)n.AllocatedNanoCpus / n.ReservableNanoCpus)), 4));
            json.WriteNumber("used_free_memory", Math.Round(usedNodes.Average(n => 1 - ((double)n.AllocatedMemoryBytes / n.ReservableMemoryBytes)), 4));
            json.WriteNumber("used_cpu_full_memory_free", usedNodes.Count(n => FreeCpu(n) < 0.03 && FreeMemory(n) > 0.05));
            json.WriteNumber("used_memory_full_cpu_free", usedNodes.Count(n => FreeMemory(n) < 0.03 && FreeCpu(n) > 0.05));
            json.WriteNumber("used_both_free", usedNodes.Count(n => FreeMemory(n) > 0.05 && FreeCpu(n) > 0.05));
            json.WriteNumber("placements_per_second", Math.Round(result.Placed / sw.Elapsed.TotalSeconds));
            json.WriteNumber("placements_per_cpu_second", Math.Round(result.Placed / cpuSeconds));
            json.WriteNumber("gc_pause_seconds", Math.Round(pause.TotalSeconds, 3));
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    // 4. The anchor: a node scan per task, on the first tasks of the same mixed round.
    if (options.Runs("anchor"))
    {
        var cluster = new ClusterState(Workload.MixedNodes(options.Nodes, new Random(options.Seed)));
        var round = Workload.MixedRound(options.Services, options.Tasks, options.Nodes, new Random(options.Seed + 1), features: true)
            .Where(b => b.Spec.Mode == ServiceMode.Replicated).ToList();
        var naivePlaced = 0;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        foreach (var batch in round)
        {
            if (naivePlaced >= options.AnchorTasks)
            {
                break;
            }

            naivePlaced += NaiveScheduler.Place(cluster, batch);
        }

        sw.Stop();
        var naiveRate = naivePlaced / sw.Elapsed.TotalSeconds;
        var naiveCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        json.WriteStartObject("anchor_naive_scan");
        json.WriteNumber("placed", naivePlaced);
        json.WriteNumber("placements_per_second", Math.Round(naiveRate));
        json.WriteNumber("placements_per_cpu_second", Math.Round(naivePlaced / naiveCpu));
        if (mixedCpuRate is { } rate)
        {
            json.WriteNumber("scheduler_speedup_per_cpu_second", Math.Round(rate / (naivePlaced / naiveCpu), 1));
        }

        json.WriteEndObject();
    }

    json.WriteNumber("peak_working_set_mib", Math.Round(Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0, 1));
    json.WriteEndObject();
}

Console.WriteLine(System.Text.Encoding.UTF8.GetString(output.ToArray()));
return 0;

static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

static double FreeCpu(NodeInfo n) => 1 - ((double)n.AllocatedNanoCpus / n.ReservableNanoCpus);

static double FreeMemory(NodeInfo n) => 1 - ((double)n.AllocatedMemoryBytes / n.ReservableMemoryBytes);

static PlacementSpec Copy(PlacementSpec s, PlacementStrategy strategy, bool antiAffinity) => new()
{
    ServiceId = s.ServiceId,
    SpecVersion = s.SpecVersion,
    NanoCpus = s.NanoCpus,
    MemoryBytes = s.MemoryBytes,
    Strategy = strategy,
    ServiceAntiAffinity = antiAffinity,
};

// A small round first so the timed run measures optimised code, not the JIT's first tier.
static void Warmup(Scheduler scheduler, Options options)
{
    var cluster = new ClusterState(Workload.MixedNodes(Math.Min(options.Nodes, 1000), new Random(99)));
    scheduler.Schedule(cluster, Workload.MixedRound(50, 50_000, cluster.Nodes.Count, new Random(98), features: true));
}

internal sealed record Options(int Nodes, int Tasks, int Services, int Seed, int AnchorTasks, string Sections)
{
    public bool Runs(string section) => Sections == "all" || Sections.Split(',').Contains(section);

    public static Options Parse(string[] args)
    {
        var o = new Options(10_000, 1_000_000, 1_000, 1, 20_000, "all");
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var text = args[i + 1];
            o = args[i] switch
            {
                "--nodes" => o with { Nodes = Int(text) },
                "--tasks" => o with { Tasks = Int(text) },
                "--services" => o with { Services = Int(text) },
                "--seed" => o with { Seed = Int(text) },
                "--anchor-tasks" => o with { AnchorTasks = Int(text) },
                "--sections" => o with { Sections = text },
                _ => throw new ArgumentException($"unknown option {args[i]}; allowed: --nodes, --tasks, --services, --seed, --anchor-tasks, --sections (mixed,batches,packing,anchor or all)"),
            };
        }

        return o;
    }

    private static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);
}
