using System.Diagnostics;
using System.Globalization;

namespace ClusterKit.Bench.RuntimeStart;

/// <summary>
/// Times the anchors with bash's $EPOCHREALTIME (no fork per sample). crun and runc run in a
/// private mount namespace with the hybrid host's cgroup v2 mount hidden, since both pick
/// v2 when they see it and this host's controllers live on v1.
/// </summary>
internal static class AnchorLoops
{
    public static IReadOnlyList<double> Crun(string bundle, int runs) =>
        TimeLoop(runs, $"crun run --bundle {bundle} ckb-crun-$i >/dev/null", hideCgroupV2: true);

    public static IReadOnlyList<double> Runc(string bundle, int runs) =>
        TimeLoop(runs, $"runc run --bundle {bundle} ckb-runc-$i >/dev/null", hideCgroupV2: true);

    public static IReadOnlyList<double> BareUnshare(int runs) =>
        TimeLoop(runs, "unshare --mount --uts --ipc --net --pid --fork /bin/true", hideCgroupV2: false);

    public static bool Available(string tool) =>
        Directory.GetFiles("/usr/bin", tool).Length > 0 || Directory.GetFiles("/usr/sbin", tool).Length > 0;

    private static List<double> TimeLoop(int runs, string command, bool hideCgroupV2)
    {
        var script = (hideCgroupV2 ? "umount /sys/fs/cgroup/unified 2>/dev/null || true\n" : string.Empty) +
            $"for i in $(seq 1 {runs}); do s=$EPOCHREALTIME; {command}; e=$EPOCHREALTIME; echo \"$s $e\"; done\n";
        var info = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "--mount", "--propagation", "private", "bash", "-c", script })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"anchor loop '{command}' failed: {error}");
        }

        var samples = new List<double>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ');
            var start = double.Parse(parts[0], CultureInfo.InvariantCulture);
            var end = double.Parse(parts[1], CultureInfo.InvariantCulture);
            samples.Add((end - start) * 1000);
        }

        return samples;
    }
}
