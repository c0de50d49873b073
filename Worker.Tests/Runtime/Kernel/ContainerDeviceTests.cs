using ClusterKit.Worker.Cgroups;
using ClusterKit.Worker.Host;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterKit.Worker.Runtime.Tests.Kernel;

/// <summary>
/// The devices boundary on the real kernel, as root inside the container (CAP_MKNOD is in Docker's
/// default set): with the detected layout (this hybrid host: the v1 devices controller) and with a
/// layout that puts the container only in the cgroup v2 tree, where the runtime's own BPF device
/// program decides. Each test has its own ckt-* parent cgroup, removed at the end.
/// </summary>
public sealed class ContainerDeviceTests(RuntimeTestbed bed) : IClassFixture<RuntimeTestbed>
{
    // A host device node bound into the container: the node exists and root may open it (no
    // capability needed, unlike /dev/kmsg), so only the devices cgroup can refuse it.
    private const string Probe =
        "echo x > /dev/null && echo null-write-ok; " +
        "echo urandom-bytes=$(head -c 16 /dev/urandom | wc -c); " +
        "(: < /dev/ckt-loop-control) && echo loop-control-open-ok; " +
        "mknod /tmp/kmsg c 1 11 && echo kmsg-mknod-ok; " +
        "mknod /tmp/loop-control c 10 237 && echo loop-control-mknod-ok; " +
        "mknod /tmp/zero c 1 5 && echo zero-mknod-ok; " +
        "true";

    public enum Layout
    {
        Detected,
        V2Only,
    }

    [Theory]
    [InlineData(Layout.Detected)]
    [InlineData(Layout.V2Only)]
    public async Task Only_the_default_devices_can_be_created_and_opened(Layout layout)
    {
        using var cgroups = Cgroups(layout);
        var launch = bed.Shell(Probe) with { Binds = [new BindMount("/dev/loop-control", "/dev/ckt-loop-control")] };

        var (exit, stdout, stderr) = await RunAsync(cgroups, launch);

        Assert.Equal(0, exit.ExitCode);
        Assert.Contains("null-write-ok", stdout);
        Assert.Contains("urandom-bytes=16", stdout);
        Assert.Contains("zero-mknod-ok", stdout);
        Assert.DoesNotContain("loop-control-open-ok", stdout);
        Assert.DoesNotContain("kmsg-mknod-ok", stdout);
        Assert.DoesNotContain("loop-control-mknod-ok", stdout);
        Assert.Contains("can't open /dev/ckt-loop-control", stderr);
        Assert.Contains("/tmp/kmsg: Operation not permitted", stderr);
        Assert.Contains("/tmp/loop-control: Operation not permitted", stderr);
    }

    [Theory]
    [InlineData(Layout.Detected)]
    [InlineData(Layout.V2Only)]
    public async Task A_device_given_with_read_access_is_created_readable_and_not_writable(Layout layout)
    {
        using var cgroups = Cgroups(layout);
        var launch = bed.Shell("stat -c %t:%T /dev/ckt-given; (: < /dev/ckt-given) && echo read-ok; (: > /dev/ckt-given) && echo write-ok; true") with
        {
            Devices = [new DeviceMapping("/dev/loop-control", "/dev/ckt-given", "r")],
        };

        var (exit, stdout, stderr) = await RunAsync(cgroups, launch);

        Assert.Equal(0, exit.ExitCode);
        Assert.StartsWith("a:ed\n", stdout);
        Assert.Contains("read-ok", stdout);
        Assert.DoesNotContain("write-ok", stdout);
        Assert.Contains("can't create /dev/ckt-given", stderr);
    }

    [Fact]
    public async Task A_device_path_that_is_no_device_is_refused_naming_it()
    {
        using var cgroups = Cgroups(Layout.Detected);
        var launch = bed.Shell("true") with { Devices = [new DeviceMapping("/etc/hostname", "/dev/x")] };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => RunAsync(cgroups, launch));

        Assert.Contains("device /etc/hostname is not a character or block device", error.Message);
    }

    [Theory]
    [InlineData(Layout.Detected)]
    [InlineData(Layout.V2Only)]
    public async Task The_container_sees_its_own_cgroup_as_root(Layout layout)
    {
        using var cgroups = Cgroups(layout);
        var launch = bed.Shell("cat /proc/self/cgroup");

        var (exit, stdout, _) = await RunAsync(cgroups, launch);

        Assert.Equal(0, exit.ExitCode);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        Assert.All(lines, line => Assert.EndsWith(":/", line));
        Assert.DoesNotContain(launch.Id, stdout);
    }

    [Fact]
    public async Task An_exec_joins_the_containers_cgroup_namespace_and_devices_cgroup()
    {
        using var cgroups = Cgroups(Layout.Detected);
        using var runtime = new ContainerRuntime(LinuxSystemCalls.Instance, cgroups.Manager, TimeProvider.System, NullLogger<ContainerRuntime>.Instance);
        var launch = bed.Shell("sleep 30");
        var container = await runtime.StartAsync(launch, null, RuntimeTestbed.Timeout());
        try
        {
            using var exec = await container.ExecAsync(
                new ExecOptions { Args = ["sh", "-c", "cat /proc/self/cgroup; mknod /tmp/kmsg c 1 11 && echo kmsg-mknod-ok; true"] },
                RuntimeTestbed.Timeout());
            var stdout = await new StreamReader(exec.StandardOutput).ReadToEndAsync();
            var stderr = await new StreamReader(exec.StandardError).ReadToEndAsync();
            Assert.Equal(0, await exec.WaitAsync(RuntimeTestbed.Timeout()));

            var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.All(lines, line => Assert.EndsWith(":/", line));
            Assert.DoesNotContain("kmsg-mknod-ok", stdout);
            Assert.Contains("/tmp/kmsg: Operation not permitted", stderr);
        }
        finally
        {
            await container.DeleteAsync(RuntimeTestbed.Timeout());
        }
    }

    private async Task<(ContainerExit Exit, string Stdout, string Stderr)> RunAsync(CgroupsUnderTest cgroups, ContainerLaunch launch)
    {
        using var runtime = new ContainerRuntime(LinuxSystemCalls.Instance, cgroups.Manager, TimeProvider.System, NullLogger<ContainerRuntime>.Instance);
        var container = await runtime.StartAsync(launch, null, RuntimeTestbed.Timeout());
        try
        {
            var exit = await container.WaitAsync(RuntimeTestbed.Timeout());
            var entries = Runtime.Logs.ContainerLogs.Read(container.LogPath);
            return (exit, RuntimeTestbed.Join(entries, "stdout"), RuntimeTestbed.Join(entries, "stderr"));
        }
        finally
        {
            await container.DeleteAsync(RuntimeTestbed.Timeout());
        }
    }

    private static CgroupsUnderTest Cgroups(Layout layout)
    {
        var options = new CgroupOptions { ParentName = "ckt-dev-" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..4]) };
        var detected = CgroupManager.Detect(options);
        if (layout == Layout.Detected)
        {
            return new CgroupsUnderTest(detected);
        }

        Assert.NotNull(detected.Layout.V2Root);
        var v2Only = new CgroupLayout(new Dictionary<string, string>(), detected.Layout.V2Root) { Self = detected.Layout.Self };
        return new CgroupsUnderTest(new CgroupManager(v2Only, options, LinuxSystemCalls.Instance));
    }

    private sealed class CgroupsUnderTest(CgroupManager manager) : IDisposable
    {
        public CgroupManager Manager => manager;

        public void Dispose() => manager.RemoveParent();
    }
}
