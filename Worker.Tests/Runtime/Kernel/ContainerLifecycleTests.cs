using System.Diagnostics;
using System.Text;
using ClusterKit.Worker.Host;
using ClusterKit.Worker.Runtime.Logs;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterKit.Worker.Runtime.Tests.Kernel;

/// <summary>Exit codes, stop, reaping, exec, logs, restart and tty on the real kernel.</summary>
public sealed class ContainerLifecycleTests(RuntimeTestbed bed) : IClassFixture<RuntimeTestbed>
{
    [Theory]
    [InlineData("true", 0)]
    [InlineData("exit 3", 3)]
    [InlineData("kill -9 $$", 137)]
    [InlineData("kill -15 $$", 143)]
    public async Task Exit_codes_follow_docker(string script, int expected)
    {
        var (exit, _, _) = await bed.RunAsync(bed.Shell(script));

        Assert.Equal(expected, exit.ExitCode);
        Assert.Null(exit.Error);
        Assert.NotNull(exit.StartedAt);
        Assert.True(exit.FinishedAt >= exit.StartedAt);
    }

    [Fact]
    public async Task A_missing_command_exits_127_with_the_reason()
    {
        var (exit, _, stderr) = await bed.RunAsync(bed.Launch("no-such-command", "x"));

        Assert.Equal(127, exit.ExitCode);
        Assert.Equal("exec: \"no-such-command\": executable file not found in $PATH", exit.Error);
        Assert.Contains("executable file not found", stderr);
    }

    [Fact]
    public async Task Stop_kills_a_process_that_ignores_SIGTERM_after_the_grace_period()
    {
        var container = await bed.StartAsync(bed.Shell("trap '' TERM; echo ready; sleep 30"));
        await WaitForLogAsync(container, "ready");

        var watch = Stopwatch.StartNew();
        var exit = await container.StopAsync(15, TimeSpan.FromSeconds(1), RuntimeTestbed.Timeout());

        // Killed: not before the grace period, and well before the 30 s sleep would have ended by itself.
        Assert.Equal(137, exit.ExitCode);
        Assert.InRange(watch.Elapsed.TotalSeconds, 0.95, 20);
    }

    [Fact]
    public async Task Stop_returns_early_when_the_process_exits_on_SIGTERM()
    {
        var container = await bed.StartAsync(bed.Launch("sleep", "30"));

        var watch = Stopwatch.StartNew();
        var exit = await container.StopAsync(15, TimeSpan.FromSeconds(60), RuntimeTestbed.Timeout(90));

        // Ended by SIGTERM (143), without waiting out the grace period (or the 30 s sleep).
        Assert.Equal(143, exit.ExitCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(25), $"stop took {watch.Elapsed}");
    }

    [Fact]
    public async Task The_init_reaps_orphaned_zombies()
    {
        // The subshell exits at once, orphaning its sleeps to PID 1, which must reap them.
        var (_, stdout, _) = await bed.RunAsync(bed.Shell(
            "(sleep 0.1 & sleep 0.1 & sleep 0.1 &); sleep 1; cat /proc/[0-9]*/stat | awk '{print $3}' | sort | uniq -c"));

        Assert.DoesNotContain(" Z", stdout);
        Assert.Contains(" R", stdout);
    }

    [Fact]
    public async Task Exec_runs_in_the_same_namespaces_and_returns_its_exit_code()
    {
        var container = await bed.StartAsync(bed.Launch("sleep", "30"));
        var names = new[] { "mnt", "pid", "net", "uts", "ipc" };
        var expected = string.Join('\n', names.Select(n => File.ResolveLinkTarget($"/proc/{container.InitPid}/ns/{n}", false)!.Name));

        using var exec = await container.ExecAsync(
            new ExecOptions { Args = ["sh", "-c", "for n in mnt pid net uts ipc; do readlink /proc/self/ns/$n; done; hostname; exit 5"] },
            RuntimeTestbed.Timeout());
        var stdout = await new StreamReader(exec.StandardOutput).ReadToEndAsync();
        var code = await exec.WaitAsync(RuntimeTestbed.Timeout());

        Assert.Equal(5, code);
        Assert.StartsWith(expected + "\n", stdout);
        Assert.EndsWith(container.Id[..12] + "\n", stdout);
        await container.StopAsync(9, TimeSpan.Zero, RuntimeTestbed.Timeout());
    }

    [Fact]
    public async Task Exec_with_a_tty_starts_at_the_callers_terminal_size()
    {
        var container = await bed.StartAsync(bed.Launch("sleep", "30"));

        using var exec = await container.ExecAsync(
            new ExecOptions { Args = ["stty", "size"], Tty = true, TerminalSize = new TerminalSize(33, 101) },
            RuntimeTestbed.Timeout());
        var stdout = await new StreamReader(exec.StandardOutput).ReadToEndAsync();

        Assert.Equal(0, await exec.WaitAsync(RuntimeTestbed.Timeout()));
        Assert.Equal("33 101\r\n", stdout);
        await container.StopAsync(9, TimeSpan.Zero, RuntimeTestbed.Timeout());
    }

    [Fact]
    public async Task Exec_passes_stdin_through_and_reports_a_missing_command()
    {
        var container = await bed.StartAsync(bed.Launch("sleep", "30"));

        using var cat = await container.ExecAsync(new ExecOptions { Args = ["cat"] }, RuntimeTestbed.Timeout());
        await cat.StandardInput.WriteAsync(Encoding.UTF8.GetBytes("piped\n"));
        cat.StandardInput.Close();
        var echoed = await new StreamReader(cat.StandardOutput).ReadToEndAsync();
        using var missing = await container.ExecAsync(new ExecOptions { Args = ["nope"] }, RuntimeTestbed.Timeout());
        var error = await new StreamReader(missing.StandardError).ReadToEndAsync();

        Assert.Equal(0, await cat.WaitAsync(RuntimeTestbed.Timeout()));
        Assert.Equal("piped\n", echoed);
        Assert.Equal(127, await missing.WaitAsync(RuntimeTestbed.Timeout()));
        Assert.Contains("executable file not found", error);
        await container.StopAsync(9, TimeSpan.Zero, RuntimeTestbed.Timeout());
    }

    [Fact]
    public async Task Exec_with_a_tty_gets_a_pty_of_the_container_and_can_run_as_another_user()
    {
        var container = await bed.StartAsync(bed.Launch("sleep", "30"));

        using var tty = await container.ExecAsync(new ExecOptions { Args = ["tty"], Tty = true }, RuntimeTestbed.Timeout());
        var ttyOut = await new StreamReader(tty.StandardOutput).ReadToEndAsync();
        using var www = await container.ExecAsync(new ExecOptions { Args = ["id", "-u"], User = "www" }, RuntimeTestbed.Timeout());
        var uid = await new StreamReader(www.StandardOutput).ReadToEndAsync();

        Assert.Equal(0, await tty.WaitAsync(RuntimeTestbed.Timeout()));
        Assert.Matches("^/dev/pts/\\d+\r\n$", ttyOut);
        Assert.Equal(0, await www.WaitAsync(RuntimeTestbed.Timeout()));
        Assert.Equal("33\n", uid);
        await container.StopAsync(9, TimeSpan.Zero, RuntimeTestbed.Timeout());
    }

    [Fact]
    public async Task Logs_are_json_lines_per_stream()
    {
        var container = await bed.StartAsync(bed.Shell("echo out; echo err >&2; printf 'no newline'"));
        await container.WaitAsync(RuntimeTestbed.Timeout());

        var lines = File.ReadAllLines(container.LogPath);
        var entries = ContainerLogs.Read(container.LogPath);

        Assert.All(lines, l => Assert.Matches("^\\{\"log\":\".*\",\"stream\":\"std(out|err)\",\"time\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z\"\\}$", l));
        Assert.Contains(entries, e => e is { Stream: "stdout", Text: "out\n" });
        Assert.Contains(entries, e => e is { Stream: "stderr", Text: "err\n" });
        Assert.Contains(entries, e => e is { Stream: "stdout", Text: "no newline" });
    }

    [Fact]
    public async Task Logs_rotate_at_max_size_and_keep_max_files()
    {
        var launch = bed.Shell("i=1; while [ $i -le 100 ]; do echo line-$i; i=$((i+1)); done") with { LogMaxSizeBytes = 1000, LogMaxFiles = 3 };
        var container = await bed.StartAsync(launch);
        await container.WaitAsync(RuntimeTestbed.Timeout());

        Assert.True(File.Exists(container.LogPath + ".1"));
        Assert.True(File.Exists(container.LogPath + ".2"));
        Assert.False(File.Exists(container.LogPath + ".3"));
        Assert.All(ContainerLogs.Files(container.LogPath), f => Assert.InRange(new FileInfo(f).Length, 1, 1000));
        var kept = ContainerLogs.Read(container.LogPath).Select(e => e.Text.TrimEnd()).ToList();
        Assert.Equal("line-100", kept[^1]);
        Assert.Equal(Enumerable.Range(101 - kept.Count, kept.Count).Select(i => $"line-{i}"), kept);
    }

    [Fact]
    public async Task Follow_streams_new_entries_until_the_container_exits()
    {
        var container = await bed.StartAsync(bed.Shell("echo first; sleep 0.5; echo second; sleep 0.3; echo third"));

        var seen = new List<string>();
        await foreach (var entry in ContainerLogs.FollowAsync(container.LogPath, 0, () => container.State == ContainerState.Exited, TimeProvider.System, RuntimeTestbed.Timeout()))
        {
            seen.Add(entry.Text);
        }

        Assert.Equal(["first\n", "second\n", "third\n"], seen);
    }

    [Fact]
    public async Task A_new_runtime_adopts_a_running_container_and_later_sees_its_exit()
    {
        var launch = bed.Shell("echo up; sleep 1; exit 7");
        var container = await bed.StartAsync(launch);
        using var restarted = new ContainerRuntime(LinuxSystemCalls.Instance, null, TimeProvider.System, NullLogger<ContainerRuntime>.Instance);

        using var adopted = restarted.Adopt(launch.ContainerDirectory);

        Assert.NotNull(adopted);
        Assert.Equal(ContainerState.Running, adopted.State);
        Assert.Equal(container.InitPid, adopted.InitPid);
        Assert.Equal(container.ShimPid, adopted.ShimPid);
        Assert.Equal(container.StartedAt?.UtcTicks / 10, adopted.StartedAt?.UtcTicks / 10);
        var exit = await adopted.WaitAsync(RuntimeTestbed.Timeout());
        Assert.Equal(7, exit.ExitCode);
        Assert.Equal(ContainerState.Exited, restarted.Adopt(launch.ContainerDirectory)!.State);
    }

    [Fact]
    public async Task A_second_start_in_the_same_directory_reports_its_own_exit_and_keeps_the_upper_dir()
    {
        var launch = bed.Shell("echo run >> /root/count; exit $(wc -l < /root/count)");
        var first = await bed.StartAsync(launch);
        var firstExit = await first.WaitAsync(RuntimeTestbed.Timeout());

        var second = await bed.StartAsync(launch);
        var secondExit = await second.WaitAsync(RuntimeTestbed.Timeout());

        Assert.Equal(1, firstExit.ExitCode);
        Assert.Equal(2, secondExit.ExitCode);
        Assert.Single(File.ReadAllLines("/proc/self/mountinfo"), l => l.Contains(second.Paths.Rootfs, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tty_mode_gives_the_process_a_real_pty()
    {
        var launch = bed.Shell("tty; stty size; echo $TERM") with { Tty = true };

        var (exit, stdout, _) = await bed.RunAsync(launch);

        Assert.Equal(0, exit.ExitCode);
        Assert.Matches("^/dev/pts/\\d+\r\n", stdout);
        Assert.Contains("xterm", stdout);
    }

    [Fact]
    public async Task Attach_forwards_stdin_and_copies_output()
    {
        var container = await bed.StartAsync(bed.Shell("read line; echo got:$line") with { OpenStdin = true });

        await using var attach = await AttachClient.ConnectAsync(container, RuntimeTestbed.Timeout());
        await attach.WriteStdinAsync(Encoding.UTF8.GetBytes("hello\n"), RuntimeTestbed.Timeout());
        var output = new StringBuilder();
        while (await attach.ReadAsync(RuntimeTestbed.Timeout()) is { } chunk)
        {
            Assert.Equal(1, chunk.Stream);
            output.Append(Encoding.UTF8.GetString(chunk.Data));
        }

        Assert.Equal("got:hello\n", output.ToString());
        Assert.Equal(0, (await container.WaitAsync(RuntimeTestbed.Timeout())).ExitCode);
    }

    [Fact]
    public async Task Move_to_trash_kills_the_container_unmounts_its_rootfs_and_renames_its_directory()
    {
        var container = await bed.StartAsync(bed.Launch("sh", "-c", "echo kept; sleep 30"));
        var shim = container.ShimPid;
        var trash = container.Paths.Directory + "-trash";
        try
        {
            await container.MoveToTrashAsync(trash, RuntimeTestbed.Timeout());

            Assert.False(Directory.Exists(container.Paths.Directory));
            Assert.True(File.Exists(Path.Combine(trash, Path.GetFileName(container.Paths.Log))));
            Assert.DoesNotContain(container.Paths.Directory, File.ReadAllText("/proc/self/mountinfo"));
            Assert.False(File.Exists($"/proc/{shim}/cmdline") && File.ReadAllText($"/proc/{shim}/cmdline").Contains("ck-init", StringComparison.Ordinal));
        }
        finally
        {
            if (Directory.Exists(trash))
            {
                Directory.Delete(trash, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Delete_kills_a_running_container_and_removes_its_mounts_and_directory()
    {
        var container = await bed.StartAsync(bed.Launch("sleep", "30"));
        var shim = container.ShimPid;

        await container.DeleteAsync(RuntimeTestbed.Timeout());

        Assert.False(Directory.Exists(container.Paths.Directory));
        Assert.DoesNotContain(container.Paths.Directory, File.ReadAllText("/proc/self/mountinfo"));
        Assert.False(File.Exists($"/proc/{shim}/cmdline") && File.ReadAllText($"/proc/{shim}/cmdline").Contains("ck-init", StringComparison.Ordinal));
    }

    private static async Task WaitForLogAsync(RunningContainer container, string text)
    {
        for (var i = 0; i < 200; i++)
        {
            if (ContainerLogs.Read(container.LogPath).Any(e => e.Text.Contains(text, StringComparison.Ordinal)))
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"\"{text}\" never appeared in {container.LogPath}");
    }
}
