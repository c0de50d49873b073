using ClusterKit.Worker.Cgroups;
using ClusterKit.Worker.Host;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterKit.Worker.Runtime.Tests.Kernel;

/// <summary>The runtime with the real cgroup manager (Worker/Cgroups) under a ckt-* parent of its own.</summary>
public sealed class ContainerCgroupTests : IClassFixture<RuntimeTestbed>, IDisposable
{
    private readonly RuntimeTestbed _bed;
    private readonly CgroupManager _cgroups;
    private readonly ContainerRuntime _runtime;

    public ContainerCgroupTests(RuntimeTestbed bed)
    {
        _bed = bed;
        _cgroups = CgroupManager.Detect(new CgroupOptions { ParentName = "ckt-" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..6]) });
        _runtime = new ContainerRuntime(LinuxSystemCalls.Instance, _cgroups, TimeProvider.System, NullLogger<ContainerRuntime>.Instance);
    }

    [Fact]
    public async Task The_container_runs_in_its_cgroup_with_its_limits_and_delete_removes_it()
    {
        var launch = _bed.Shell("cat /proc/self/cgroup; sleep 30") with
        {
            Limits = new ResourceLimits(MemoryBytes: 64L << 20, PidsLimit: 50),
        };

        var container = await _runtime.StartAsync(launch, null, RuntimeTestbed.Timeout());
        var handle = _cgroups.Open(launch.Id);
        var usage = handle?.ReadUsage();
        var hostView = await File.ReadAllTextAsync($"/proc/{container.InitPid}/cgroup");
        var members = handle?.Processes() ?? [];
        await container.StopAsync(9, TimeSpan.Zero, RuntimeTestbed.Timeout());
        var stdout = RuntimeTestbed.Join(Runtime.Logs.ContainerLogs.Read(container.LogPath), "stdout");
        await container.DeleteAsync(RuntimeTestbed.Timeout());

        Assert.NotNull(handle);
        Assert.Equal(64UL << 20, usage!.MemoryLimitBytes);
        Assert.Equal(50UL, usage.PidsLimit);
        Assert.Contains(container.InitPid, members);
        Assert.Contains($"/{launch.Id}", hostView);
        // Inside, its cgroup namespace shows its own cgroup as the root.
        Assert.Contains("memory:/\n", stdout);
        Assert.Null(_cgroups.Open(launch.Id));
    }

    [Fact]
    public async Task A_container_over_its_memory_limit_is_oom_killed_and_reported()
    {
        // dd reads into one 256 MiB buffer, which outgrows the 32 MiB limit.
        var launch = _bed.Shell("dd if=/dev/zero of=/dev/null bs=256M count=1; echo survived") with
        {
            Limits = new ResourceLimits(MemoryBytes: 32L << 20),
        };

        var container = await _runtime.StartAsync(launch, null, RuntimeTestbed.Timeout());
        var exit = await container.WaitAsync(RuntimeTestbed.Timeout(60));
        await container.DeleteAsync(RuntimeTestbed.Timeout());

        Assert.True(exit.OomKilled, $"exit {exit.ExitCode}, oom {exit.OomKilled}");
        Assert.Equal(0, exit.ExitCode);
    }

    public void Dispose()
    {
        _runtime.Dispose();
        _cgroups.RemoveParent();
    }
}
