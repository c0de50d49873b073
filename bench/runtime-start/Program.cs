using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ClusterKit.Bench.RuntimeStart;
using ClusterKit.Proto.Worker.V1;
using ClusterKit.TestKit;

var runs = args.Length >= 2 && args[0] == "--runs" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50;
const int Warmup = 5;

using var scratch = new TempDirectory("ckb");
var rootfs = BusyboxRootfs.Create(scratch.Combine("rootfs"));
var results = new Dictionary<string, object>();

try
{
    using (var worker = await WorkerProcess.StartAsync("ckb"))
    {
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
        var samples = new List<double>();
        var phases = new Dictionary<string, List<double>> { ["create"] = [], ["start"] = [], ["wait"] = [], ["delete"] = [] };
        for (var i = 0; i < Warmup + runs; i++)
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
            if (i >= Warmup)
            {
                phases["create"].Add(afterCreate);
                phases["start"].Add(afterStart - afterCreate);
                phases["wait"].Add(afterWait - afterStart);
                phases["delete"].Add(clock.Elapsed.TotalMilliseconds - afterWait);
            }

            if (exit.ExitCode != 0)
            {
                throw new InvalidOperationException($"/bin/true exited with {exit.ExitCode}: {exit.Error}");
            }

            if (i >= Warmup)
            {
                samples.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        results["clusterkit"] = Summary(samples);
        results["clusterkit_phases_median"] = phases.ToDictionary(p => p.Key, p => Math.Round(Median(p.Value), 2));
    }
}
catch (Exception error) when (error is Grpc.Core.RpcException or InvalidOperationException or IOException)
{
    // Caught here so that the worker's using block has already removed its namespace, cgroups and mounts.
    await Console.Error.WriteLineAsync("bench-runtime-start: " + error.Message);
    return 1;
}

// The anchors do the same work on the host (docs/benchmarks.md, ## Runtime start): see AnchorLoops and OciBundle.
var anchors = new AnchorLoops(scratch.Combine("anchors"), rootfs);
double? crunMedian = null;
if (AnchorLoops.Available("crun"))
{
    var crun = anchors.Crun(Warmup + runs).Skip(Warmup).ToList();
    results["crun"] = Summary(crun);
    crunMedian = Median(crun);
}

if (AnchorLoops.Available("runc"))
{
    results["runc"] = Summary(anchors.Runc(Warmup + runs).Skip(Warmup).ToList());
}

results["bare_unshare"] = Summary(AnchorLoops.BareUnshare(Warmup + runs).Skip(Warmup).ToList());

var report = new Dictionary<string, object>
{
    ["benchmark"] = "runtime-start",
    ["what"] = "create+start+wait+delete of /bin/true in the busybox image (network none), median of " + runs + " runs after " + Warmup + " warm-up",
    ["runs"] = runs,
    ["results_ms"] = results,
};
var clusterkitMedian = (double)((Dictionary<string, double>)results["clusterkit"])["median"];
if (crunMedian is { } c)
{
    report["ratio_vs_crun"] = Math.Round(clusterkitMedian / c, 3);
}

if (results.TryGetValue("runc", out var runc))
{
    report["ratio_vs_runc"] = Math.Round(clusterkitMedian / ((Dictionary<string, double>)runc)["median"], 3);
}

report["ratio_vs_bare_unshare"] = Math.Round(clusterkitMedian / ((Dictionary<string, double>)results["bare_unshare"])["median"], 3);
Console.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
return 0;

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
