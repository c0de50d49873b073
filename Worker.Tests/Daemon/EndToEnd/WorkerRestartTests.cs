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
}
