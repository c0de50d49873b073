using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ClusterKit.Bench.Store;
using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Tables;
using ClusterKit.Proto.Manager.V1;

// Store benchmark: prints one JSON object. Index lookups are timed against the linear scan
// (Find with a predicate: every row of the table visited) in the same process, as a ratio.
// Usage: dotnet bench/store/bin/Release/net10.0/ClusterKit.Bench.Store.dll [--services 10000] [--tasks 1000000]
//        [--nodes 10000] [--queries 2000] [--anchor-queries 10] [--moves 20000] [--seed 1]
var options = BenchOptions.Parse(args);
var random = new Random(options.Seed);
var output = new MemoryStream();
using (var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true }))
{
    json.WriteStartObject();
    json.WriteString("benchmark", "store");
    json.WriteString("command", "dotnet bench/store/bin/Release/net10.0/ClusterKit.Bench.Store.dll " + string.Join(' ', args));
    json.WriteNumber("services", options.Services);
    json.WriteNumber("tasks", options.Tasks);
    json.WriteNumber("nodes", options.Nodes);
    json.WriteNumber("seed", options.Seed);
    json.WriteNumber("processors", Environment.ProcessorCount);

    // Load through a snapshot restore: the path a restarted manager takes, indexes built in one pass.
    var snapshot = Workload.Snapshot(options.Services, options.Tasks, options.Nodes, random);
    GC.Collect();
    var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
    var store = new MemoryStore();
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var sw = Stopwatch.StartNew();
    store.Restore(snapshot);
    sw.Stop();
    json.WriteStartObject("restore");
    json.WriteNumber("seconds", Math.Round(sw.Elapsed.TotalSeconds, 3));
    json.WriteNumber("cpu_seconds", Math.Round((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds, 3));
    json.WriteNumber("snapshot_bytes", Workload.Bytes(snapshot));
    snapshot = null;
    GC.Collect();
    json.WriteNumber("store_heap_mib", Math.Round((GC.GetTotalMemory(forceFullCollection: true) - heapBefore) / 1048576.0, 1));
    json.WriteEndObject();

    var nodeIds = Enumerable.Range(0, options.Queries).Select(_ => Workload.NodeId(random.Next(options.Nodes))).ToArray();
    var serviceIds = Enumerable.Range(0, options.Queries).Select(_ => Workload.ServiceId(random.Next(options.Services))).ToArray();
    var serviceNames = Enumerable.Range(0, options.Queries).Select(_ => Workload.ServiceName(random.Next(options.Services))).ToArray();

    Lookup(json, store, "tasks_by_node", nodeIds, options.AnchorQueries,
        static (tx, id) => tx.Find(TaskTable.ByNode(id)).Count,
        static (tx, id) => tx.Find<ClusterTask>(t => t.NodeId == id).Count);
    Lookup(json, store, "tasks_by_service", serviceIds, options.AnchorQueries,
        static (tx, id) => tx.Find(TaskTable.ByService(id)).Count,
        static (tx, id) => tx.Find<ClusterTask>(t => t.ServiceId == id).Count);
    Lookup(json, store, "service_by_name", serviceNames, options.Queries / 10,
        static (tx, name) => tx.Find(ServiceTable.ByName(name)).Count,
        static (tx, name) => tx.Find<Service>(s => s.Spec.Name == name).Count);
    Lookup(json, store, "count_tasks_by_service", serviceIds, options.AnchorQueries,
        static (tx, id) => tx.Count(TaskTable.ByService(id)),
        static (tx, id) => tx.Find<ClusterTask>(t => t.ServiceId == id).Count);

    // Writes keep every index current: move tasks between nodes, one transaction each.
    var taskIds = Enumerable.Range(0, options.Moves).Select(_ => "task-" + random.Next(options.Tasks).ToString("D7", CultureInfo.InvariantCulture)).ToArray();
    var targets = Enumerable.Range(0, options.Moves).Select(_ => Workload.NodeId(random.Next(options.Nodes))).ToArray();
    cpu = Process.GetCurrentProcess().TotalProcessorTime;
    sw.Restart();
    for (var i = 0; i < taskIds.Length; i++)
    {
        var (id, node) = (taskIds[i], targets[i]);
        store.Update(tx =>
        {
            var task = tx.Get<ClusterTask>(id)!;
            task.NodeId = node;
            tx.Update(task);
        });
    }

    sw.Stop();
    json.WriteStartObject("move_task_transactions");
    json.WriteNumber("transactions", taskIds.Length);
    json.WriteNumber("per_second", Math.Round(taskIds.Length / sw.Elapsed.TotalSeconds));
    json.WriteNumber("mean_us", Math.Round(sw.Elapsed.TotalMicroseconds / taskIds.Length, 1));
    json.WriteNumber("cpu_us_per_transaction", Math.Round((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / taskIds.Length, 1));
    var moved = store.View(tx => tx.Find(TaskTable.ByNode(targets[^1])).Any(t => t.Id == taskIds[^1]));
    json.WriteBoolean("last_move_found_by_node", moved);
    json.WriteEndObject();

    // A status report changes no index key: the indexes are left as they are.
    cpu = Process.GetCurrentProcess().TotalProcessorTime;
    sw.Restart();
    for (var i = 0; i < taskIds.Length; i++)
    {
        var (id, stamp) = (taskIds[i], i);
        store.Update(tx =>
        {
            var task = tx.Get<ClusterTask>(id)!;
            task.Status.TimestampUnixMs += stamp;
            tx.Update(task);
        });
    }

    sw.Stop();
    json.WriteStartObject("status_transactions");
    json.WriteNumber("transactions", taskIds.Length);
    json.WriteNumber("per_second", Math.Round(taskIds.Length / sw.Elapsed.TotalSeconds));
    json.WriteNumber("cpu_us_per_transaction", Math.Round((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / taskIds.Length, 1));
    json.WriteEndObject();

    json.WriteNumber("peak_working_set_mib", Math.Round(Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0, 1));
    json.WriteEndObject();
}

Console.WriteLine(System.Text.Encoding.UTF8.GetString(output.ToArray()));
return 0;

// Times each index query and a few scans for the same keys; the ratio compares medians.
static void Lookup(Utf8JsonWriter json, MemoryStore store, string name, string[] keys, int anchorQueries,
    Func<IReadTransaction, string, int> byIndex, Func<IReadTransaction, string, int> byScan)
{
    // Warm-up, so that tiered compilation has the optimised code in place before timing.
    store.View(tx => keys.Take(200).Sum(k => byIndex(tx, k)));
    store.View(tx => byScan(tx, keys[0]));

    var indexTimes = new List<double>(keys.Length);
    var found = 0L;
    foreach (var key in keys)
    {
        var sw = Stopwatch.StartNew();
        found += store.View(tx => byIndex(tx, key));
        indexTimes.Add(sw.Elapsed.TotalMicroseconds);
    }

    var scanTimes = new List<double>(anchorQueries);
    foreach (var key in keys.Take(Math.Max(1, anchorQueries)))
    {
        var sw = Stopwatch.StartNew();
        var scanned = store.View(tx => byScan(tx, key));
        scanTimes.Add(sw.Elapsed.TotalMicroseconds);
        if (scanned != store.View(tx => byIndex(tx, key)))
        {
            throw new InvalidOperationException($"{name} {key}: the index found a different number of rows than the scan ({scanned})");
        }
    }

    indexTimes.Sort();
    scanTimes.Sort();
    json.WriteStartObject(name);
    json.WriteNumber("queries", keys.Length);
    json.WriteNumber("mean_rows", Math.Round((double)found / keys.Length, 1));
    json.WriteNumber("index_p50_us", Math.Round(Percentile(indexTimes, 0.50), 1));
    json.WriteNumber("index_p99_us", Math.Round(Percentile(indexTimes, 0.99), 1));
    json.WriteNumber("scan_queries", scanTimes.Count);
    json.WriteNumber("scan_p50_us", Math.Round(Percentile(scanTimes, 0.50), 1));
    json.WriteNumber("scan_over_index", Math.Round(Percentile(scanTimes, 0.50) / Percentile(indexTimes, 0.50), 1));
    json.WriteEndObject();
}

static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, Math.Max(0, (int)Math.Ceiling(p * sorted.Count) - 1))];

internal sealed record BenchOptions(int Services, int Tasks, int Nodes, int Queries, int AnchorQueries, int Moves, int Seed)
{
    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions(10_000, 1_000_000, 10_000, 2_000, 10, 20_000, 1);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"option {args[i]} needs a value");
            }

            var value = Positive(args[i], args[i + 1]);
            o = args[i] switch
            {
                "--services" => o with { Services = value },
                "--tasks" => o with { Tasks = value },
                "--nodes" => o with { Nodes = value },
                "--queries" => o with { Queries = value },
                "--anchor-queries" => o with { AnchorQueries = value },
                "--moves" => o with { Moves = value },
                "--seed" => o with { Seed = value },
                _ => throw new ArgumentException($"unknown option {args[i]}; allowed: --services, --tasks, --nodes, --queries, --anchor-queries, --moves, --seed"),
            };
        }

        return o;
    }

    private static int Positive(string option, string text)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"option {option}: '{text}' is not a positive whole number");
}
