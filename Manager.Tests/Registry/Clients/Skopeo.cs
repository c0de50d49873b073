using System.Diagnostics;
using ClusterKit.TestKit;

namespace ClusterKit.Manager.Tests.Registry.Clients;

/// <summary>Debian's skopeo run for a test: no policy, credentials or registries configuration from the host, a time limit.</summary>
internal static class Skopeo
{
    public const string Executable = "/usr/bin/skopeo";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    public static void RequireInstalled() => Assert.True(File.Exists(Executable), $"{Executable} is missing; scripts/setup.sh installs Debian's skopeo");

    /// <summary>Runs skopeo with no policy file, credentials or registries configuration from the host; kills it on time-out.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(TempDirectory work, params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("--insecure-policy");
        start.ArgumentList.Add("--registries-conf");
        start.ArgumentList.Add(EmptyRegistriesConf(work));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (arguments[0] == "copy")
        {
            start.ArgumentList.Insert(3, "--tmpdir");
            start.ArgumentList.Insert(4, work.Path);
        }

        start.Environment["HOME"] = work.Path;
        start.Environment["XDG_RUNTIME_DIR"] = work.Path;
        start.Environment.Remove("REGISTRY_AUTH_FILE");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("skopeo did not start");
        using var timeout = new CancellationTokenSource(Timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"skopeo {string.Join(' ', arguments)} ran longer than {Timeout}");
        }

        var output = await stdout;
        var errors = await stderr;
        return process.ExitCode == 0
            ? (0, output + errors)
            : throw new Xunit.Sdk.XunitException($"skopeo {string.Join(' ', arguments)} exited {process.ExitCode}:\n{output}\n{errors}");
    }

    private static string EmptyRegistriesConf(TempDirectory work)
    {
        var path = work.Combine("registries.conf");
        if (!File.Exists(path))
        {
            File.WriteAllText(path, "unqualified-search-registries = []\n");
        }

        return path;
    }
}
