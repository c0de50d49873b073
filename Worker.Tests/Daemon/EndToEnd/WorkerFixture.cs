using System.Diagnostics;
using ClusterKit.TestKit;

namespace ClusterKit.Worker.Tests.EndToEnd;

/// <summary>
/// A real ck-worker in its own network namespace with the busybox image imported, driven
/// through the real `ck` binary as an operator would.
/// </summary>
public sealed class WorkerFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _scratch = new("ckt-e2e");

    public WorkerProcess Worker { get; private set; } = null!;

    public string Rootfs => _scratch.Combine("rootfs");

    public string Scratch => _scratch.Path;

    public async Task InitializeAsync()
    {
        BusyboxRootfs.Create(Rootfs);
        Worker = await WorkerProcess.StartAsync("ckt", "10.214.0.0/24");
        var import = Ck("image", "import", Rootfs, "busybox:latest", "--change", "CMD [\"sh\"]");
        Assert.True(import.ExitCode == 0, import.Output);
    }

    public async Task RestartWorkerAsync(bool kill, IReadOnlyDictionary<string, string>? environment = null, params string[] extraOptions)
    {
        if (kill)
        {
            Worker.KillProcess();
        }

        Worker = await Worker.RestartAsync("10.214.0.0/24", environment, extraOptions);
    }

    /// <summary>Runs `ck ARGS` against this worker; returns the exit code and stdout+stderr.</summary>
    public (int ExitCode, string Output) Ck(params string[] arguments) => CkWithTimeout(TimeSpan.FromSeconds(60), arguments);

    public (int ExitCode, string Output) CkWithTimeout(TimeSpan timeout, params string[] arguments)
    {
        var info = new ProcessStartInfo(CkBinary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["CK_WORKER_SOCKET"] = Worker.Socket;
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"ck {string.Join(' ', arguments)} did not finish in {timeout}");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Runs a command inside the worker's network namespace (curl to a published port).</summary>
    public (int ExitCode, string Output) InHost(string file, params string[] arguments) => WorkerProcess.RunIn(Worker.Tag, file, arguments);

    public Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        Worker?.Dispose();
        _scratch.Dispose();
    }

    /// <summary>The ck built in the same configuration as these tests (its own deps, not the test folder's).</summary>
    public static string CkBinary
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
            var built = Path.Combine(RepoPaths.Root, "Cli", "bin", configuration, "net10.0", "ck");
            return File.Exists(built) ? built : throw new FileNotFoundException($"the ck binary is not built at {built}");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class WorkerCollection : ICollectionFixture<WorkerFixture>
{
    public const string Name = "worker end to end";
}
