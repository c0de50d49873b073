using System.Text.Json;

namespace ClusterKit.Worker.Tests.EndToEnd;

/// <summary>`ck container stats|start|restart|kill` through the real ck against a real worker.</summary>
[Collection(WorkerCollection.Name)]
public sealed class ContainerCommandsTests(WorkerFixture fixture)
{
    [Fact]
    public void Stats_no_stream_prints_one_line_with_the_memory_limit_and_the_pids_of_a_running_container()
    {
        var name = Unique("stats");
        var id = RunDetached(name, "--memory", "32m", "busybox", "sh", "-c", "sleep 60 & sleep 61 & wait");
        RemovedAfter(name, () =>
        {
            var (code, output) = StatsUntil(name, pids => pids >= 3);
            Assert.True(code == 0, output);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, lines.Length);
            Assert.StartsWith("CONTAINER ID", lines[0], StringComparison.Ordinal);
            var row = lines[1];
            Assert.StartsWith(id[..12], row, StringComparison.Ordinal);
            Assert.Contains(name, row, StringComparison.Ordinal);
            Assert.Contains("/ 32MiB", row, StringComparison.Ordinal);
            Assert.Matches(@"\d+\.\d\d%", row);

            // sh and its two sleeps, and nothing of the worker's own.
            Assert.InRange(Pids(row), 3, 4);
        });
    }

    [Fact]
    public void Stats_without_a_memory_limit_says_unlimited()
    {
        var name = Unique("stats-free");
        RunDetached(name, "busybox", "sleep", "60");
        RemovedAfter(name, () =>
        {
            var (code, output) = fixture.Ck("container", "stats", "--no-stream", name);
            Assert.True(code == 0, output);
            Assert.Contains("/ unlimited", output, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Start_runs_a_created_container()
    {
        var name = Unique("created");
        var create = fixture.Ck("container", "create", "--network", "none", "--name", name, "busybox", "sh", "-c", "echo started-once; sleep 60");
        Assert.True(create.ExitCode == 0, create.Output);
        RemovedAfter(name, () =>
        {
            Assert.Equal("created", State(name).GetProperty("status").GetString());
            var start = fixture.Ck("container", "start", name);
            Assert.True(start.ExitCode == 0, start.Output);
            Assert.Equal(name, start.Output.Trim());
            var state = State(name);
            Assert.Equal("running", state.GetProperty("status").GetString());
            Assert.True(state.GetProperty("pid").GetInt32() > 0);
            Assert.Contains("started-once", WaitForLogs(name, "started-once"), StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Start_runs_an_exited_container_again()
    {
        var name = Unique("again");
        var run = fixture.Ck("container", "run", "--network", "none", "--name", name, "busybox", "sh", "-c", "echo ran; exit 4");
        Assert.Equal(4, run.ExitCode);
        RemovedAfter(name, () =>
        {
            Assert.Equal(4, ExitCode(State(name)));
            var start = fixture.Ck("container", "start", name);
            Assert.True(start.ExitCode == 0, start.Output);
            var wait = fixture.Ck("container", "wait", name);
            Assert.Equal("4", wait.Output.Trim());
            Assert.Equal(["ran", "ran"], fixture.Ck("container", "logs", name).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        });
    }

    [Fact]
    public void Restart_starts_a_new_process_and_records_the_previous_exit()
    {
        var name = Unique("restart");
        RunDetached(name, "busybox", "sleep", "60");
        RemovedAfter(name, () =>
        {
            var before = State(name);
            var pidBefore = before.GetProperty("pid").GetInt32();
            var startedBefore = before.GetProperty("startedAt").GetString();
            var restart = fixture.Ck("container", "restart", "-t", "0", name);
            Assert.True(restart.ExitCode == 0, restart.Output);
            Assert.Equal(name, restart.Output.Trim());
            var after = State(name);
            Assert.Equal("running", after.GetProperty("status").GetString());
            Assert.NotEqual(pidBefore, after.GetProperty("pid").GetInt32());
            Assert.NotEqual(startedBefore, after.GetProperty("startedAt").GetString());
            Assert.Contains("sleep 60", fixture.Ck("container", "exec", name, "ps", "-o", "args").Output, StringComparison.Ordinal);

            // The running process is the new one: killing it ends the container.
            Assert.Equal(0, fixture.Ck("container", "kill", name).ExitCode);
            Assert.Equal("137", fixture.Ck("container", "wait", name).Output.Trim());
        });
    }

    [Fact]
    public void Kill_sends_sigkill_by_default_and_the_exit_code_is_137()
    {
        var name = Unique("kill");
        RunDetached(name, "busybox", "sh", "-c", "trap '' TERM; while true; do sleep 0.1; done");
        RemovedAfter(name, () =>
        {
            var kill = fixture.Ck("container", "kill", name);
            Assert.True(kill.ExitCode == 0, kill.Output);
            Assert.Equal("137", fixture.Ck("container", "wait", name).Output.Trim());
            var state = State(name);
            Assert.Equal("exited", state.GetProperty("status").GetString());
            Assert.Equal(137, ExitCode(state));
        });
    }

    [Theory]
    [InlineData("--signal", "SIGTERM")]
    [InlineData("-s", "TERM")]
    [InlineData("-s", "15")]
    public void Kill_with_sigterm_ends_the_process_with_143(string flag, string signal)
    {
        var name = Unique("term");
        RunDetached(name, "busybox", "sleep", "60");
        RemovedAfter(name, () =>
        {
            var kill = fixture.Ck("container", "kill", flag, signal, name);
            Assert.True(kill.ExitCode == 0, kill.Output);
            Assert.Equal("143", fixture.Ck("container", "wait", name).Output.Trim());
            Assert.Equal(143, ExitCode(State(name)));
        });
    }

    [Fact]
    public void Kill_of_a_stopped_container_is_a_one_line_error()
    {
        var name = Unique("stopped");
        Assert.Equal(0, fixture.Ck("container", "run", "--network", "none", "--name", name, "busybox", "true").ExitCode);
        RemovedAfter(name, () =>
        {
            var (code, output) = fixture.Ck("container", "kill", name);
            Assert.Equal(1, code);
            var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("Error: ", line, StringComparison.Ordinal);
            Assert.Contains(name, line, StringComparison.Ordinal);
            Assert.Contains("is not running", line, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Kill_with_an_unknown_signal_is_a_one_line_error_and_the_container_keeps_running()
    {
        var name = Unique("badsig");
        RunDetached(name, "busybox", "sleep", "60");
        RemovedAfter(name, () =>
        {
            var (code, output) = fixture.Ck("container", "kill", "-s", "SIGNOPE", name);
            Assert.NotEqual(0, code);
            var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("Error: ", line, StringComparison.Ordinal);
            Assert.Contains("SIGNOPE", line, StringComparison.Ordinal);
            Assert.Equal("running", State(name).GetProperty("status").GetString());
        });
    }

    /// <summary>Runs the body, then removes the container whatever its outcome.</summary>
    private void RemovedAfter(string name, Action body)
    {
        try
        {
            body();
        }
        finally
        {
            fixture.Ck("container", "rm", "-f", name);
        }
    }

    private string RunDetached(string name, params string[] imageAndArguments)
    {
        string[] arguments = ["container", "run", "-d", "--network", "none", "--name", name, .. imageAndArguments];
        var (code, output) = fixture.Ck(arguments);
        Assert.True(code == 0, output);
        return output.Trim();
    }

    private JsonElement State(string name)
    {
        var (code, output) = fixture.Ck("container", "inspect", name);
        Assert.True(code == 0, output);
        using var document = JsonDocument.Parse(output);
        return document.RootElement[0].GetProperty("state").Clone();
    }

    private static int ExitCode(JsonElement state) => state.TryGetProperty("exitCode", out var code) ? code.GetInt32() : 0;

    private (int ExitCode, string Output) StatsUntil(string name, Func<int, bool> enough)
    {
        var last = fixture.Ck("container", "stats", "--no-stream", name);
        for (var attempt = 0; attempt < 100 && last.ExitCode == 0 && !enough(Pids(last.Output.TrimEnd().Split('\n')[^1])); attempt++)
        {
            Thread.Sleep(100);
            last = fixture.Ck("container", "stats", "--no-stream", name);
        }

        return last;
    }

    private static int Pids(string row) => int.TryParse(row.TrimEnd().Split(' ')[^1], out var pids) ? pids : -1;

    private string WaitForLogs(string name, string expected)
    {
        var logs = string.Empty;
        for (var attempt = 0; attempt < 100 && !logs.Contains(expected, StringComparison.Ordinal); attempt++)
        {
            Thread.Sleep(50);
            logs = fixture.Ck("container", "logs", name).Output;
        }

        return logs;
    }

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..6];
}
