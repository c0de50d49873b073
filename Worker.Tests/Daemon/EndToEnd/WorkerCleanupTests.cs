using System.Diagnostics;
using ClusterKit.TestKit;

namespace ClusterKit.Worker.Tests.EndToEnd;

/// <summary>`ck-worker cleanup` (what `ck worker cleanup` runs) after a worker stopped with containers running: what it made is gone, its images stay.</summary>
public sealed class WorkerCleanupTests
{
    [Fact]
    public async Task Cleanup_removes_the_containers_cgroups_mounts_bridge_and_table_of_a_stopped_worker()
    {
        using var scratch = new TempDirectory("ckt-cleanup");
        using var worker = await WorkerProcess.StartAsync("ckt", "10.215.0.0/24");
        var rootfs = scratch.Combine("rootfs");
        BusyboxRootfs.Create(rootfs);
        Assert.Equal(0, Ck(worker, "image", "import", rootfs, "busybox:latest").ExitCode);
        Assert.Equal(0, Ck(worker, "container", "run", "-d", "--name", "left", "-p", "18090:80", "busybox", "httpd", "-f", "-p", "80").ExitCode);
        var pid = int.Parse(PidOf(worker, "left"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(pid > 0);
        Assert.Equal(0, await worker.TerminateAsync(TimeSpan.FromSeconds(60)));
        Assert.True(Directory.Exists($"/proc/{pid}"), "the container outlives a worker stopped with SIGTERM");
        var runRoot = Path.Combine(worker.Root, "run");

        // A manager on the same host keeps its socket and data beside the worker's (as the README's cluster does).
        var managerSocket = Path.Combine(runRoot, "ckt-m1.sock");
        var managerData = Path.Combine(worker.DataRoot, "ckt-m1");
        await File.WriteAllTextAsync(managerSocket, "not the worker's");
        Directory.CreateDirectory(managerData);
        await File.WriteAllTextAsync(Path.Combine(managerData, "wal"), "not the worker's");

        var (code, output) = Cleanup(
            worker.Tag, "--data-root", worker.DataRoot, "--run-root", runRoot, "--socket", worker.Socket,
            "--cgroup-parent", worker.Tag, "--bridge-name", worker.Tag, "--bridge-subnet", "10.215.0.0/24", "--nft-table", worker.Tag);

        Assert.True(code == 0, output);
        await WaitUntilAsync(() => !Directory.Exists($"/proc/{pid}") || File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal), output);
        Assert.NotEqual(0, WorkerProcess.RunIn(worker.Tag, "ip", "link", "show", worker.Tag).ExitCode);
        Assert.DoesNotContain(worker.Tag, WorkerProcess.RunIn(worker.Tag, "nft", "list", "tables").Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Directory.GetDirectories("/sys/fs/cgroup"), h => Directory.Exists(Path.Combine(h, worker.Tag)));
        Assert.DoesNotContain(" " + runRoot, await File.ReadAllTextAsync("/proc/self/mountinfo"), StringComparison.Ordinal);
        Assert.Equal([managerSocket], Directory.GetFileSystemEntries(runRoot));
        Assert.True(Directory.Exists(Path.Combine(worker.DataRoot, "images")), "without --purge the images stay");

        var purge = Cleanup(
            worker.Tag, "--purge", "--data-root", worker.DataRoot, "--run-root", runRoot, "--socket", worker.Socket,
            "--cgroup-parent", worker.Tag, "--bridge-name", worker.Tag, "--bridge-subnet", "10.215.0.0/24", "--nft-table", worker.Tag);
        Assert.True(purge.ExitCode == 0, purge.Output);
        Assert.Equal([managerData], Directory.GetFileSystemEntries(worker.DataRoot));
        Assert.Equal("not the worker's", await File.ReadAllTextAsync(Path.Combine(managerData, "wal")));
        Assert.Contains($"kept {worker.DataRoot} with what is not the worker's: ckt-m1", purge.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cleanup_refuses_while_the_worker_runs()
    {
        using var worker = await WorkerProcess.StartAsync("ckt", "10.216.0.0/24");

        var (code, output) = Cleanup(worker.Tag, "--data-root", worker.DataRoot, "--run-root", Path.Combine(worker.Root, "run"), "--socket", worker.Socket, "--cgroup-parent", worker.Tag, "--bridge-name", worker.Tag, "--nft-table", worker.Tag);

        Assert.NotEqual(0, code);
        Assert.Contains($"a worker is listening on {worker.Socket}: stop it first", output, StringComparison.Ordinal);
        Assert.Equal(0, WorkerProcess.RunIn(worker.Tag, "ip", "link", "show", worker.Tag).ExitCode);
    }

    /// <summary>
    /// `ck-worker cleanup` in the worker's network namespace, entered as the worker was (nsenter):
    /// `ip netns exec` would remount /sys and hide the cgroup hierarchies.
    /// </summary>
    private static (int ExitCode, string Output) Cleanup(string tag, params string[] options)
    {
        var info = new ProcessStartInfo("nsenter") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[$"--net=/run/netns/{tag}", WorkerProcess.LocateDaemon(), "cleanup", .. options])
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(120)), "ck-worker cleanup did not finish");
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static string PidOf(WorkerProcess worker, string name)
    {
        using var document = System.Text.Json.JsonDocument.Parse(Ck(worker, "container", "inspect", name).Output);
        return document.RootElement[0].GetProperty("state").GetProperty("pid").ToString();
    }

    private static (int ExitCode, string Output) Ck(WorkerProcess worker, params string[] arguments)
    {
        var info = new ProcessStartInfo(WorkerFixture.CkBinary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["CK_WORKER_SOCKET"] = worker.Socket;
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), $"ck {string.Join(' ', arguments)} did not finish");
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string context)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(100);
        }

        Assert.True(condition(), context);
    }
}
