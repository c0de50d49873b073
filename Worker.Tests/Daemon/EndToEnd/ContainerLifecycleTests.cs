namespace ClusterKit.Worker.Tests.EndToEnd;

[Collection(WorkerCollection.Name)]
public sealed class ContainerLifecycleTests(WorkerFixture fixture)
{
    [Fact]
    public void Run_prints_the_output_and_returns_the_exit_code()
    {
        var (code, output) = fixture.Ck("container", "run", "--rm", "--network", "none", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3");
        Assert.Equal(3, code);
        Assert.Contains("out", output, StringComparison.Ordinal);
        Assert.Contains("err", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_published_port_answers_curl_on_loopback_and_on_the_container_address()
    {
        var name = "web-" + Guid.NewGuid().ToString("N")[..6];
        var run = fixture.Ck("container", "run", "-d", "--name", name, "-p", "18080:80", "busybox", "httpd", "-f", "-p", "80", "-h", "/var/www");
        Assert.True(run.ExitCode == 0, run.Output);
        try
        {
            var body = Retry(() => fixture.InHost("curl", "-fsS", "-m", "2", "http://127.0.0.1:18080/"));
            Assert.Contains("hello from a ClusterKit container", body, StringComparison.Ordinal);
            var taken = fixture.Ck("container", "run", "-d", "-p", "18080:80", "busybox", "httpd", "-f", "-p", "80");
            Assert.NotEqual(0, taken.ExitCode);
            Assert.Contains("18080", taken.Output, StringComparison.Ordinal);
            Assert.Contains(name, taken.Output, StringComparison.Ordinal);
        }
        finally
        {
            fixture.Ck("container", "rm", "-f", name);
        }

        Assert.NotEqual(0, fixture.InHost("curl", "-fsS", "-m", "1", "http://127.0.0.1:18080/").ExitCode);
    }

    [Fact]
    public void Stop_sends_term_then_kill_after_the_grace_period()
    {
        var name = "trap-" + Guid.NewGuid().ToString("N")[..6];
        Assert.Equal(0, fixture.Ck("container", "run", "-d", "--network", "none", "--name", name, "busybox", "sh", "-c", "trap '' TERM; while true; do sleep 0.1; done").ExitCode);
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Assert.Equal(0, fixture.Ck("container", "stop", "-t", "1", name).ExitCode);
            clock.Stop();
            // Not before the 1 s grace period; the loop never ends by itself, so any wait is bounded only by patience.
            Assert.InRange(clock.Elapsed.TotalSeconds, 0.9, 30);
            Assert.Contains("\"exitCode\": 137", fixture.Ck("container", "inspect", name).Output, StringComparison.Ordinal);
        }
        finally
        {
            fixture.Ck("container", "rm", "-f", name);
        }
    }

    [Fact]
    public void A_memory_hog_is_oom_killed_and_reported()
    {
        var (code, output) = fixture.Ck("container", "run", "--rm", "--network", "none", "--memory", "16m", "busybox", "sh", "-c", "tail /dev/zero");
        Assert.Equal(137, code);
        Assert.Contains("out of memory", output, StringComparison.Ordinal);
    }

    [Fact]
    public void On_failure_restarts_up_to_its_limit()
    {
        var name = "flaky-" + Guid.NewGuid().ToString("N")[..6];
        Assert.Equal(0, fixture.Ck("container", "run", "-d", "--network", "none", "--name", name, "--restart", "on-failure:2", "busybox", "sh", "-c", "exit 1").ExitCode);
        try
        {
            var inspect = string.Empty;
            for (var attempt = 0; attempt < 100; attempt++)
            {
                inspect = fixture.Ck("container", "inspect", name).Output;
                if (inspect.Contains("\"restartCount\": 2", StringComparison.Ordinal) && inspect.Contains("\"status\": \"exited\"", StringComparison.Ordinal))
                {
                    break;
                }

                Thread.Sleep(100);
            }

            Assert.Contains("\"restartCount\": 2", inspect, StringComparison.Ordinal);
            Assert.Contains("\"status\": \"exited\"", inspect, StringComparison.Ordinal);
        }
        finally
        {
            fixture.Ck("container", "rm", "-f", name);
        }
    }

    [Fact]
    public void Logs_follow_new_output_until_the_container_exits()
    {
        var name = "chatty-" + Guid.NewGuid().ToString("N")[..6];
        Assert.Equal(0, fixture.Ck("container", "run", "-d", "--network", "none", "--name", name, "busybox", "sh", "-c", "for i in 1 2 3; do echo line$i; sleep 0.2; done").ExitCode);
        try
        {
            var (code, output) = fixture.Ck("container", "logs", "-f", name);
            Assert.Equal(0, code);
            Assert.Equal(["line1", "line2", "line3"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            fixture.Ck("container", "rm", "-f", name);
        }
    }

    [Fact]
    public void Commit_turns_the_containers_changes_into_an_image()
    {
        var name = "writer-" + Guid.NewGuid().ToString("N")[..6];
        var image = "committed-" + Guid.NewGuid().ToString("N")[..6] + ":v1";
        Assert.Equal(0, fixture.Ck("container", "run", "--network", "none", "--name", name, "busybox", "sh", "-c", "echo kept > /data.txt; rm /etc/group").ExitCode);
        try
        {
            var commit = fixture.Ck("container", "commit", "--change", "CMD [\"cat\", \"/data.txt\"]", name, image);
            Assert.True(commit.ExitCode == 0, commit.Output);
            var (code, output) = fixture.Ck("container", "run", "--rm", "--network", "none", image);
            Assert.Equal(0, code);
            Assert.Equal("kept", output.Trim());
            Assert.NotEqual(0, fixture.Ck("container", "run", "--rm", "--network", "none", image, "cat", "/etc/group").ExitCode);
        }
        finally
        {
            fixture.Ck("container", "rm", "-f", name);
            fixture.Ck("image", "rm", image);
        }
    }

    [Fact]
    public void Exec_runs_in_the_container_with_a_pty_when_asked_and_returns_its_exit_code()
    {
        var name = "shell-" + Guid.NewGuid().ToString("N")[..6];
        Assert.Equal(0, fixture.Ck("container", "run", "-d", "--network", "none", "--hostname", "box1", "--name", name, "busybox", "sleep", "60").ExitCode);
        try
        {
            Assert.Equal("box1", fixture.Ck("container", "exec", name, "hostname").Output.Trim());
            Assert.StartsWith("/dev/pts/", fixture.Ck("container", "exec", "-t", name, "tty").Output.Trim(), StringComparison.Ordinal);

            // Output is not a terminal here, so ck sends the conventional 24x80, which the pty has from the start.
            Assert.Equal("24 80", fixture.Ck("container", "exec", "-t", name, "stty", "size").Output.Trim());
            Assert.Equal(6, fixture.Ck("container", "exec", name, "sh", "-c", "exit 6").ExitCode);
            var ps = fixture.Ck("container", "exec", name, "ps", "-o", "pid,args").Output;
            Assert.Contains("sleep 60", ps, StringComparison.Ordinal);
            Assert.DoesNotContain("dotnet", ps, StringComparison.Ordinal);
        }
        finally
        {
            fixture.Ck("container", "rm", "-f", name);
        }
    }

    private static string Retry(Func<(int ExitCode, string Output)> attempt)
    {
        var last = (ExitCode: -1, Output: string.Empty);
        for (var i = 0; i < 50; i++)
        {
            last = attempt();
            if (last.ExitCode == 0)
            {
                return last.Output;
            }

            Thread.Sleep(100);
        }

        throw new Xunit.Sdk.XunitException("never answered: " + last.Output);
    }
}
