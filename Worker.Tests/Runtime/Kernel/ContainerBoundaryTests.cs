namespace ClusterKit.Worker.Runtime.Tests.Kernel;

/// <summary>no_new_privs, exec errors and refused mounts, on the real kernel.</summary>
public sealed class ContainerBoundaryTests(RuntimeTestbed bed) : IClassFixture<RuntimeTestbed>
{
    [Theory]
    [InlineData(false, "0")]
    [InlineData(true, "1")]
    public async Task No_new_privileges_is_set_only_when_asked_as_docker_does(bool asked, string expected)
    {
        var launch = bed.Shell("grep NoNewPrivs /proc/self/status") with { NoNewPrivileges = asked };

        var (exit, stdout, _) = await bed.RunAsync(launch);

        Assert.Equal(0, exit.ExitCode);
        Assert.Equal($"NoNewPrivs:\t{expected}\n", stdout);
    }

    [Fact]
    public async Task An_argument_list_over_arg_max_is_reported_as_too_long_not_as_not_found()
    {
        // 40 arguments of 100 KB: 4 MB, over this kernel's limit (a quarter of the 8 MB stack rlimit).
        var big = new string('x', 100_000);
        var launch = bed.Launch(["echo", .. Enumerable.Repeat(big, 40)]);

        var (exit, _, stderr) = await bed.RunAsync(launch);

        Assert.Equal(126, exit.ExitCode);
        Assert.Equal("exec: \"echo\": Argument list too long", exit.Error);
        Assert.Contains("Argument list too long", stderr);
    }

    [Theory]
    [InlineData("/proc")]
    [InlineData("/proc/sys/kernel")]
    [InlineData("/sys")]
    [InlineData("/sys/fs/cgroup")]
    [InlineData("/")]
    [InlineData("/tmp/../proc/")]
    public async Task A_bind_over_the_containers_root_proc_or_sys_is_refused_before_anything_runs(string target)
    {
        var launch = bed.Shell("true") with { Binds = [new BindMount("/tmp", target)] };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => bed.StartAsync(launch));

        Assert.Contains($"bind mount \"/tmp:{target}\"", error.Message);
        Assert.Contains("mounts over /, /proc and /sys are refused", error.Message);
        Assert.False(Directory.Exists(launch.ContainerDirectory), "nothing may be created for a refused launch");
    }
}
