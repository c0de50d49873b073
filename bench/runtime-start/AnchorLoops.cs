using System.Diagnostics;
using System.Globalization;

namespace ClusterKit.Bench.RuntimeStart;

/// <summary>
/// Times the anchors with anchor-loop (anchor-loop.c): crun and runc over the bundle of
/// <see cref="OciBundle"/>, each run on a fresh overlay with fresh hostname/hosts/resolv.conf
/// files, their state on a tmpfs, the v2 cgroup mount hidden; bare unshare as the floor.
/// </summary>
internal sealed class AnchorLoops
{
    private readonly string _directory;
    private readonly string _lowerRootfs;
    private readonly string _bundle;

    public AnchorLoops(string directory, string lowerRootfs)
    {
        _directory = directory;
        _lowerRootfs = lowerRootfs;
        Directory.CreateDirectory(Merged);
        Directory.CreateDirectory(RunRoot);
        _bundle = OciBundle.Create(Path.Combine(directory, "bundle"), Merged, RunRoot);
    }

    /// <summary>The overlay's mount point, the bundle's root.</summary>
    private string Merged => Path.Combine(_directory, "rootfs");

    /// <summary>A tmpfs inside the loop's mount namespace: the anchors' state and the small files.</summary>
    private string RunRoot => Path.Combine(_directory, "run");

    public IReadOnlyList<double> Crun(int runs) =>
        TimeContainerLoop(runs, "crun", ["crun", "--root", Path.Combine(RunRoot, "crun"), "run", "--bundle", _bundle, "ckb-crun-%i"]);

    public IReadOnlyList<double> Runc(int runs) =>
        TimeContainerLoop(runs, "runc", ["runc", "--root", Path.Combine(RunRoot, "runc"), "run", "--bundle", _bundle, "ckb-runc-%i"]);

    public static IReadOnlyList<double> BareUnshare(int runs) =>
        TimeLoop([runs.ToString(CultureInfo.InvariantCulture), "--", "unshare", "--mount", "--uts", "--ipc", "--net", "--pid", "--fork", "/bin/true"]);

    public static bool Available(string tool) =>
        Directory.GetFiles("/usr/bin", tool).Length > 0 || Directory.GetFiles("/usr/sbin", tool).Length > 0;

    private List<double> TimeContainerLoop(int runs, string name, string[] command)
    {
        var state = Path.Combine(_directory, "state-" + name);
        Directory.CreateDirectory(state);
        try
        {
            return TimeLoop(
            [
                runs.ToString(CultureInfo.InvariantCulture), "--hide-cgroup-v2", "--tmpfs", RunRoot,
                "--overlay", _lowerRootfs, Merged, state, "--files", RunRoot, "--", .. command,
            ]);
        }
        finally
        {
            // The runs' upper and work dirs, renamed to trash names by the loop: deleted outside the timing.
            Directory.Delete(state, recursive: true);
        }
    }

    private static List<double> TimeLoop(IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "anchor-loop"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"anchor loop '{string.Join(' ', info.ArgumentList)}' failed: {error.Result}");
        }

        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => double.Parse(line, CultureInfo.InvariantCulture))];
    }
}
