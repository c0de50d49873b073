namespace ClusterKit.Worker.Runtime.Tests.Kernel;

/// <summary>Starts that must not happen, and what they leave behind.</summary>
public sealed class ContainerStartFailureTests(RuntimeTestbed bed) : IClassFixture<RuntimeTestbed>
{
    [Fact]
    public async Task A_failing_hook_stops_the_start_before_the_command_runs_and_unmounts_the_rootfs()
    {
        var launch = bed.Shell("echo ran > /root/ran");
        var initPid = 0;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => bed.Runtime.StartAsync(
            launch,
            (pid, _) =>
            {
                initPid = pid;
                throw new InvalidOperationException("veth failed");
            },
            RuntimeTestbed.Timeout()));

        Assert.Equal("veth failed", error.Message);
        Assert.False(File.Exists(Path.Combine(launch.ContainerDirectory, "upper", "root", "ran")));
        Assert.DoesNotContain(launch.ContainerDirectory, File.ReadAllText("/proc/self/mountinfo"));
        Assert.True(initPid > 0);
        await WaitGoneAsync(initPid);
        Directory.Delete(launch.ContainerDirectory, true);
    }

    [Fact]
    public async Task A_setup_failure_names_the_step_and_the_path()
    {
        var launch = bed.Shell("true") with { Binds = [new BindMount("/nonexistent-ckt-source", "/data")] };

        var error = await Assert.ThrowsAsync<ContainerStartException>(() => bed.Runtime.StartAsync(launch, null, RuntimeTestbed.Timeout()));

        Assert.StartsWith("mount /nonexistent-ckt-source on /data", error.Message);
        Assert.Contains("No such file or directory", error.Message);
        Assert.DoesNotContain(launch.ContainerDirectory, File.ReadAllText("/proc/self/mountinfo"));
        Directory.Delete(launch.ContainerDirectory, true);
    }

    [Fact]
    public async Task Giving_both_layers_and_a_rootfs_is_refused_before_anything_happens()
    {
        var launch = bed.Shell("true") with { RootfsPath = bed.Lower };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => bed.Runtime.StartAsync(launch, null, RuntimeTestbed.Timeout()));

        Assert.StartsWith($"container {launch.Id}: give either LowerDirs", error.Message);
        Assert.False(Directory.Exists(launch.ContainerDirectory));
    }

    private static async Task WaitGoneAsync(int pid)
    {
        for (var i = 0; i < 100 && Directory.Exists($"/proc/{pid}"); i++)
        {
            await Task.Delay(20);
        }

        Assert.False(Directory.Exists($"/proc/{pid}") && File.ReadAllText($"/proc/{pid}/cmdline").Contains("ck-init", StringComparison.Ordinal));
    }
}
