using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ClusterKit.Bench.RuntimeStart;
using ClusterKit.Proto.Worker.V1;
using ClusterKit.TestKit;

var runs = IntOption(args, "--runs", 50);
var rounds = IntOption(args, "--rounds", 10);
if (runs < rounds || runs % rounds != 0)
{
    await Console.Error.WriteLineAsync($"bench-runtime-start: --runs {runs} must be a multiple of --rounds {rounds}");
    return 2;
}

var warmup = IntOption(args, "--warmup", 5);
var perRound = runs / rounds;

using var scratch = new TempDirectory("ckb");
var rootfs = BusyboxRootfs.Create(scratch.Combine("rootfs"));
var results = new Dictionary<string, object>();
var anchors = new AnchorLoops(scratch.Combine("anchors"), rootfs);
var crunAvailable = AnchorLoops.Available("crun");
var runcAvailable = AnchorLoops.Available("runc");
var samples = new List<double>();
var crun = new List<double>();
var runc = new List<double>();
var bareUnshare = new List<double>();
var phases = new Dictionary<string, List<double>> { ["create"] = [], ["start"] = [], ["wait"] = [], ["delete"] = [] };

try
{
    using var worker = await WorkerProcess.StartAsync("ckb");
    await worker.Images.ImportAsync(new ImportImageRequest { SourcePath = rootfs, Reference = "busybox:latest" });

    // The floor of a phase: one unary call that does no work on the worker.
    var roundTrips = new List<double>();
    for (var i = 0; i < 20 + runs; i++)
    {
        var began = Stopwatch.GetTimestamp();
        await worker.Containers.ListAsync(new ListContainersRequest());
        if (i >= 20)
        {
            roundTrips.Add(Stopwatch.GetElapsedTime(began).TotalMilliseconds);
        }
    }

    results["grpc_round_trip"] = Summary(roundTrips);
    await TimeClusterKitAsync(worker, warmup, record: false);

    // Rounds alternate the runtimes, so that a load change on this shared machine falls on all of them
    // instead of on whichever ran at that minute. Each anchor loop's first run warms its caches and is dropped.
    for (var round = 0; round < rounds; round++)
    {
        await TimeClusterKitAsync(worker, perRound, record: true);
        if (crunAvailable)
        {
            crun.AddRange(anchors.Crun(perRound + 1).Skip(1));
        }

        if (runcAvailable)
        {
            runc.AddRange(anchors.Runc(perRound + 1).Skip(1));
        }

        bareUnshare.AddRange(AnchorLoops.BareUnshare(perRound + 1).Skip(1));
    }
}
catch (Exception error) when (error is Grpc.Core.RpcException or InvalidOperationException or IOException)
{
    // Caught here so that the worker's using block has already removed its namespace, cgroups and mounts.
    await Console.Error.WriteLineAsync("bench-runtime-start: " + error.Message);
    return 1;
}

results["clusterkit"] = Summary(samples);
results["clusterkit_phases_median"] = phases.ToDictionary(p => p.Key, p => Math.Round(Median(p.Value), 2));
double? crunMedian = null;
if (crun.Count > 0)
{
    results["crun"] = Summary(crun);
    crunMedian = Median(crun);
}

if (runc.Count > 0)
{
    results["runc"] = Summary(runc);
}

results["bare_unshare"] = Summary(bareUnshare);

var report = new Dictionary<string, object>
{
    ["benchmark"] = "runtime-start",
    ["what"] = "create+start+wait+delete of /bin/true in the busybox image (network none), median of " + runs + " runs in " + rounds + " rounds that alternate the runtimes",
    ["runs"] = runs,
    ["rounds"] = rounds,
    ["results_ms"] = results,
};
var clusterkitMedian = (double)((Dictionary<string, double>)results["clusterkit"])["median"];
if (crunMedian is { } c)
{
    report["ratio_vs_crun"] = Math.Round(clusterkitMedian / c, 3);
}

if (runc.Count > 0)
{
    report["ratio_vs_runc"] = Math.Round(clusterkitMedian / Median(runc), 3);
}

if (crun.Count > 0)
{
    // The ratio within each round, where both ran under the same load; their spread shows how far to trust the whole.
    var perRoundRatios = Enumerable.Range(0, rounds)
        .Select(r => Median(samples.GetRange(r * perRound, perRound)) / Median(crun.GetRange(r * perRound, perRound)))
        .ToList();
    report["ratio_vs_crun_by_round"] = perRoundRatios.Select(r => Math.Round(r, 2)).ToList();
}

report["ratio_vs_bare_unshare"] = Math.Round(clusterkitMedian / ((Dictionary<string, double>)results["bare_unshare"])["median"], 3);
Console.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
return 0;

async Task TimeClusterKitAsync(WorkerProcess worker, int count, bool record)
{
    for (var i = 0; i < count; i++)
    {
        var clock = Stopwatch.StartNew();
        var spec = new ContainerSpec { Image = "busybox:latest", NetworkMode = "none", Cmd = { "/bin/true" } };
        var created = await worker.Containers.CreateAsync(new CreateContainerRequest { Spec = spec });
        var afterCreate = clock.Elapsed.TotalMilliseconds;
        await worker.Containers.StartAsync(new ContainerRef { Id = created.Id });
        var afterStart = clock.Elapsed.TotalMilliseconds;
        var exit = await worker.Containers.WaitAsync(new WaitContainerRequest { Id = created.Id });
        var afterWait = clock.Elapsed.TotalMilliseconds;
        await worker.Containers.RemoveAsync(new RemoveContainerRequest { Id = created.Id });
        clock.Stop();
        if (exit.ExitCode != 0)
        {
            throw new InvalidOperationException($"/bin/true exited with {exit.ExitCode}: {exit.Error}");
        }

        if (record)
        {
            phases["create"].Add(afterCreate);
            phases["start"].Add(afterStart - afterCreate);
            phases["wait"].Add(afterWait - afterStart);
            phases["delete"].Add(clock.Elapsed.TotalMilliseconds - afterWait);
            samples.Add(clock.Elapsed.TotalMilliseconds);
        }
    }
}

static int IntOption(string[] args, string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

static Dictionary<string, double> Summary(List<double> samples)
{
    var sorted = samples.Order().ToList();
    return new Dictionary<string, double>
    {
        ["median"] = Math.Round(Median(sorted), 2),
        ["p10"] = Math.Round(sorted[(int)(sorted.Count * 0.1)], 2),
        ["p90"] = Math.Round(sorted[(int)(sorted.Count * 0.9)], 2),
        ["min"] = Math.Round(sorted[0], 2),
    };
}

static double Median(IReadOnlyList<double> samples)
{
    var sorted = samples.Order().ToList();
    return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}
