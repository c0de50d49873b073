namespace ClusterKit.Worker.Tests.EndToEnd;

[Collection(WorkerCollection.Name)]
public sealed class WorkerRestartTests(WorkerFixture fixture)
{
    [Fact]
    public async Task A_killed_worker_re_adopts_running_containers_and_later_sees_their_exit()
    {
        var name = "survivor-" + Guid.NewGuid().ToString("N")[..6];
        Assert.Equal(0, fixture.Ck("container", "run", "-d", "--name", name, "-p", "18081:80", "busybox", "httpd", "-f", "-p", "80", "-h", "/var/www").ExitCode);
        try
        {
            await fixture.RestartWorkerAsync(kill: true);

            Assert.Contains(name, fixture.Ck("container", "ps").Output, StringComparison.Ordinal);
            var curl = fixture.InHost("curl", "-fsS", "-m", "2", "http://127.0.0.1:18081/");
            Assert.True(curl.ExitCode == 0, curl.Output);
            Assert.Equal(0, fixture.Ck("container", "stop", name).ExitCode);
            Assert.Contains("\"exitCode\": 143", fixture.Ck("container", "inspect", name).Output, StringComparison.Ordinal);
        }
        finally
        {
            fixture.Ck("container", "rm", "-f", name);
        }
    }

    [Fact]
    public async Task A_container_that_exits_while_the_worker_is_down_is_reported_with_its_exit_code()
    {
        var name = "brief-" + Guid.NewGuid().ToString("N")[..6];
        Assert.Equal(0, fixture.Ck("container", "run", "-d", "--network", "none", "--name", name, "busybox", "sh", "-c", "sleep 1; exit 5").ExitCode);
        try
        {
            fixture.Worker.KillProcess();
            await Task.Delay(1500);
            await fixture.RestartWorkerAsync(kill: false);
            Assert.Equal("5", fixture.Ck("container", "wait", name).Output.Trim());
        }
        finally
        {
            fixture.Ck("container", "rm", "-f", name);
        }
    }

    [Fact]
    public async Task An_on_failure_container_that_failed_while_the_worker_was_down_is_restarted_up_to_its_limit()
    {
        var name = "failing-" + Guid.NewGuid().ToString("N")[..6];
        var signals = Directory.CreateDirectory(Path.Combine(fixture.Scratch, name)).FullName;

        // The first run fails only once the worker is down; later runs fail at once.
        Assert.Equal(0, fixture.Ck("container", "run", "-d", "--network", "none", "--name", name, "--restart", "on-failure:2", "-v", signals + ":/signals", "busybox", "sh", "-c", "until [ -e /signals/fail ]; do sleep 0.1; done; exit 3").ExitCode);
        try
        {
            using var before = System.Text.Json.JsonDocument.Parse(fixture.Ck("container", "inspect", name).Output);
            var state = before.RootElement[0].GetProperty("state");
            Assert.Equal("running", state.GetProperty("status").GetString());
            Assert.False(state.TryGetProperty("restartCount", out var restarts) && restarts.GetInt32() != 0, "restarted before the worker went down");
            var id = before.RootElement[0].GetProperty("id").GetString()!;
            fixture.Worker.KillProcess();
            File.WriteAllText(Path.Combine(signals, "fail"), string.Empty);
            var exitRecord = Path.Combine(fixture.Worker.Root, "run", "containers", id[..16], "exit");
            for (var waited = 0; !File.Exists(exitRecord) && waited < 300; waited++)
            {
                await Task.Delay(100);
            }

            Assert.True(File.Exists(exitRecord), "the container did not exit while the worker was down");
            await fixture.RestartWorkerAsync(kill: false);

            // The recovery restarts it (1); that run fails too and the worker restarts it once more (2), then leaves it.
            var inspect = string.Empty;
            for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline;)
            {
                inspect = fixture.Ck("container", "inspect", name).Output;
                if (inspect.Contains("\"restartCount\": 2", StringComparison.Ordinal) && inspect.Contains("\"status\": \"exited\"", StringComparison.Ordinal))
                {
                    break;
                }

                await Task.Delay(100);
            }

            Assert.Contains("\"restartCount\": 2", inspect, StringComparison.Ordinal);
            Assert.Contains("\"status\": \"exited\"", inspect, StringComparison.Ordinal);
            Assert.Contains("\"exitCode\": 3", inspect, StringComparison.Ordinal);
        }
        finally
        {
            fixture.Ck("container", "rm", "-f", name);
        }
    }

    [Fact]
    public async Task A_worker_stopped_with_SIGTERM_exits_0_and_the_next_start_adopts_its_running_containers()
    {
        var name = "termed-" + Guid.NewGuid().ToString("N")[..6];
        Assert.Equal(0, fixture.Ck("container", "run", "-d", "--network", "none", "--name", name, "busybox", "sleep", "600").ExitCode);
        try
        {
            var pid = Inspect(name, "pid");
            Assert.Equal(0, await fixture.Worker.TerminateAsync(TimeSpan.FromSeconds(60)));
            Assert.True(Directory.Exists($"/proc/{pid}"), "the container's process must outlive the worker");

            await fixture.RestartWorkerAsync(kill: false);
            Assert.Equal(pid, Inspect(name, "pid"));
            Assert.Equal("running", Inspect(name, "status"));
        }
        finally
        {
            fixture.Ck("container", "rm", "-f", name);
        }
    }

    [Fact]
    public async Task With_stop_containers_on_exit_SIGTERM_stops_the_containers_and_records_their_exit()
    {
        var name = "stopped-" + Guid.NewGuid().ToString("N")[..6];
        await fixture.RestartWorkerAsync(kill: false, extraOptions: ["--stop-containers-on-exit"]);
        Assert.Equal(0, fixture.Ck("container", "run", "-d", "--network", "none", "--name", name, "busybox", "sleep", "600").ExitCode);
        try
        {
            var pid = Inspect(name, "pid");
            Assert.Equal(0, await fixture.Worker.TerminateAsync(TimeSpan.FromSeconds(60)));
            Assert.False(Directory.Exists($"/proc/{pid}"), "the container's process must be stopped with the worker");

            await fixture.RestartWorkerAsync(kill: false);
            Assert.Equal("exited", Inspect(name, "status"));
            Assert.Equal("143", Inspect(name, "exitCode"));
        }
        finally
        {
            fixture.Ck("container", "rm", "-f", name);
        }
    }

    /// <summary>A field of the container's state from `ck container inspect` (its JSON).</summary>
    private string Inspect(string name, string field)
    {
        var (code, output) = fixture.Ck("container", "inspect", name);
        Assert.True(code == 0, output);
        using var document = System.Text.Json.JsonDocument.Parse(output);
        var root = document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Array ? document.RootElement[0] : document.RootElement;
        var state = root.GetProperty("state");
        return state.TryGetProperty(field, out var value) ? value.ToString() : string.Empty;
    }
}
