using System.Globalization;
using System.Text.Json;
using ClusterKit.Bench.Registry;
using ClusterKit.TestKit;

// bench/registry: push and pull of one image through the cluster registry, the reference registry and a plain
// directory copy (the disk path as the limit), alternating in every round so that load drift falls on all; JSON out.
// --worker-pull (run.sh passes it) adds a last phase: a new worker pulling the image already replicated on three managers.
var sizeMb = IntOption(args, "--size-mb", 200);
var rounds = IntOption(args, "--rounds", 3);
var seed = IntOption(args, "--seed", 1);
var settleSeconds = IntOption(args, "--settle-seconds", 0);
var binaries = StringOption(args, "--binaries", Path.GetFullPath("out"));
var workerPull = args.Contains("--worker-pull");
foreach (var program in workerPull ? ["ck", "ck-manager", "ck-worker"] : (string[])["ck", "ck-manager"])
{
    if (!File.Exists(Path.Combine(binaries, program)))
    {
        await Console.Error.WriteLineAsync($"bench/registry: {Path.Combine(binaries, program)} is missing: run scripts/build.sh (or give --binaries DIR)");
        return 2;
    }
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
var ct = cancel.Token;

using var scratch = new TempDirectory("ckb-registry");

// Every target first moves a small image of other bytes, so that no measured transfer is a server's very first.
var warmUp = BenchImage.Create(scratch.Combine("warm-up"), 8 << 20, seed + 1);
var tls = LoopbackTls.Create(scratch.Combine("tls"), TimeProvider.System);
ITransferTarget[] targets = [new DirectoryTarget(scratch.Path), new ReferenceRegistryTarget(tls), new ClusterRegistryTarget(scratch.Path, binaries)];
var samples = targets.ToDictionary(t => t.Name, _ => new TargetSamples());
BenchImage? image = null;
long largestBytes = 0;
WorkerPullResult? workerPulled = null;
try
{
    // Each server is started once and serves every round, as a registry runs for weeks: the first round meets new
    // servers (a new ck-manager still compiles its hot paths then; its rate stays in the rounds lists), the median is
    // the servers' steady rate. Each round moves an image of its own bytes, so every byte moves in every round.
    foreach (var target in targets)
    {
        await target.StartAsync(ct);
        await target.PushAsync(warmUp, "bench/warm-up", ct);
        await target.PullAsync("bench/warm-up", scratch.Combine($"warm-{target.Name}"), ct);
        Directory.Delete(scratch.Combine($"warm-{target.Name}"), recursive: true);
    }

    for (var round = 0; round < rounds; round++)
    {
        if (image is not null)
        {
            Directory.Delete(image.Directory, recursive: true);
        }

        image = BenchImage.Create(scratch.Combine($"image-{round}"), (long)sizeMb << 20, seed + (16 * round));
        var repository = $"bench/image-{round}";

        // The image's largest blob, fetched alone with curl after each registry's pull: the server's rate with a light client.
        var largest = new DirectoryInfo(Path.Combine(image.Directory, "blobs", "sha256")).EnumerateFiles().MaxBy(f => f.Length)!;
        largestBytes = largest.Length;

        // Each round starts with a different target, so none always runs on the warmest caches.
        foreach (var target in targets.Skip(round % targets.Length).Concat(targets.Take(round % targets.Length)))
        {
            var pulled = scratch.Combine($"pulled-{target.Name}-{round}");
            try
            {
                // A pause before the measured transfer (default none), the same for every target.
                await Task.Delay(TimeSpan.FromSeconds(settleSeconds), ct);
                var sample = samples[target.Name];
                sample.Push.Add(MegabytesPerSecond(image.Bytes, await MeasuredAsync(target, () => target.PushAsync(image, repository, ct), sample.PushCpu)));
                sample.Pull.Add(MegabytesPerSecond(image.Bytes, await MeasuredAsync(target, () => target.PullAsync(repository, pulled, ct), sample.PullCpu)));
                if (await target.GetBlobAsync(repository, "sha256:" + largest.Name, ct) is { } fetched)
                {
                    sample.BlobGet.Add(MegabytesPerSecond(largest.Length, fetched));
                }
            }
            finally
            {
                if (Directory.Exists(pulled))
                {
                    Directory.Delete(pulled, recursive: true);
                }
            }
        }
    }

    if (workerPull)
    {
        image ??= BenchImage.Create(scratch.Combine("image"), (long)sizeMb << 20, seed);
        workerPulled = await new WorkerPullPhase(scratch.Path, binaries).RunAsync(image, warmUp, ct);
    }
}
finally
{
    foreach (var target in targets)
    {
        await target.DisposeAsync();
    }
}

var medians = samples.ToDictionary(s => s.Key, s => (Push: Median(s.Value.Push), Pull: Median(s.Value.Pull)));
var results = new Dictionary<string, object>
{
    ["image_mb"] = Math.Round((image?.Bytes ?? 0) / 1e6, 1),
    ["layers"] = image?.Layers ?? 0,
    ["rounds"] = rounds,
    ["mb_per_s"] = samples.ToDictionary(s => s.Key, s => new
    {
        push = medians[s.Key].Push,
        pull = medians[s.Key].Pull,
        push_rounds = s.Value.Push.Select(Round).ToArray(),
        pull_rounds = s.Value.Pull.Select(Round).ToArray(),
    }),

    // CPU seconds per transfer (medians): the server process, and skopeo at the other end. On two shared cores a server
    // that costs more leaves skopeo less, so these explain a rate that the wall clock alone does not.
    ["cpu_s"] = samples.ToDictionary(s => s.Key, s => new
    {
        push_server = s.Value.PushCpu.Server.Count > 0 ? Median(s.Value.PushCpu.Server, digits: 2) : (double?)null,
        push_skopeo = Median(s.Value.PushCpu.Client, digits: 2),
        pull_server = s.Value.PullCpu.Server.Count > 0 ? Median(s.Value.PullCpu.Server, digits: 2) : (double?)null,
        pull_skopeo = Median(s.Value.PullCpu.Client, digits: 2),
    }),
};
foreach (var subject in medians.Keys.Where(k => k != "directory" && rounds > 0))
{
    results[$"{subject}_vs_directory"] = new { push = Ratio(medians[subject].Push, medians["directory"].Push), pull = Ratio(medians[subject].Pull, medians["directory"].Pull) };
}

if (rounds > 0 && medians.TryGetValue("cluster_registry", out var cluster))
{
    results["cluster_vs_reference"] = new
    {
        push = Ratio(cluster.Push, medians["reference_registry"].Push),
        pull = Ratio(cluster.Pull, medians["reference_registry"].Pull),
    };
}

var blobGets = samples.Where(s => s.Value.BlobGet.Count > 0).ToDictionary(s => s.Key, s => s.Value.BlobGet);
if (blobGets.Count > 0)
{
    results["largest_blob_get"] = new
    {
        mb = Math.Round(largestBytes / 1e6, 1),
        client = "curl --http1.1 to /dev/null, after each pull",
        mb_per_s = blobGets.ToDictionary(b => b.Key, b => new { median = Median(b.Value), rounds = b.Value.Select(Round).ToArray() }),
        cluster_vs_reference = blobGets.TryGetValue("cluster_registry", out var c) && blobGets.TryGetValue("reference_registry", out var r)
            ? Ratio(Median(c), Median(r))
            : (double?)null,
    };
}

if (workerPulled is { } w)
{
    var reference = medians["reference_registry"].Pull;
    results["worker_pull"] = new
    {
        managers = w.Managers,
        push_s = Seconds(w.Push),
        replication_wait_s = Seconds(w.Replication),
        join_s = Seconds(w.Join),
        worker_pull_s = Seconds(w.WorkerPull),
        worker_pull_mb_per_s = Round(MegabytesPerSecond(image!.Bytes, w.WorkerPull)),
        worker_pull_summary = w.Summary,
        skopeo_pull_s = Seconds(w.SkopeoPull),
        skopeo_pull_mb_per_s = Round(MegabytesPerSecond(image!.Bytes, w.SkopeoPull)),
        worker_vs_skopeo = Ratio(MegabytesPerSecond(image!.Bytes, w.WorkerPull), MegabytesPerSecond(image!.Bytes, w.SkopeoPull)),
        // Against the reference registry's skopeo pull of the rounds above (none with --rounds 0).
        worker_vs_reference_pull = rounds > 0 ? Ratio(MegabytesPerSecond(image!.Bytes, w.WorkerPull), reference) : (double?)null,
    };
}

Console.WriteLine(JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
return 0;

// One transfer, timed, with the CPU both ends spent on it.
static async Task<TimeSpan> MeasuredAsync(ITransferTarget target, Func<Task<TimeSpan>> transfer, CpuSamples cpu)
{
    var server = target.ServerProcessId is { } before ? CpuTime.OfProcess(before) : (TimeSpan?)null;
    var children = CpuTime.OfReapedChildren();
    var elapsed = await transfer();
    cpu.Client.Add((CpuTime.OfReapedChildren() - children).TotalSeconds);
    if (server is { } serverBefore && target.ServerProcessId is { } pid)
    {
        cpu.Server.Add((CpuTime.OfProcess(pid) - serverBefore).TotalSeconds);
    }

    return elapsed;
}

static double MegabytesPerSecond(long bytes, TimeSpan elapsed) => bytes / 1e6 / elapsed.TotalSeconds;

static double Round(double value) => Math.Round(value, 1);

static double Seconds(TimeSpan elapsed) => Math.Round(elapsed.TotalSeconds, 2);

static double Median(List<double> values, int digits = 1)
{
    if (values.Count == 0)
    {
        return 0; // --rounds 0: only the worker-pull phase ran.
    }

    var sorted = values.Order().ToArray();
    return Math.Round(sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2, digits);
}

static double Ratio(double subject, double anchor) => anchor > 0 ? Math.Round(subject / anchor, 2) : 0;

static string StringOption(string[] args, string name, string fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
}

static int IntOption(string[] args, string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

internal sealed class CpuSamples
{
    public List<double> Server { get; } = [];

    public List<double> Client { get; } = [];
}

internal sealed class TargetSamples
{
    public List<double> Push { get; } = [];

    public List<double> Pull { get; } = [];

    public List<double> BlobGet { get; } = [];

    public CpuSamples PushCpu { get; } = new();

    public CpuSamples PullCpu { get; } = new();
}
