using ClusterKit.Proto.Worker.V1;
using Grpc.Core;

namespace ClusterKit.Worker.Tests.EndToEnd;

/// <summary>The container boundary through the worker and ck: refused mounts at create, devices, no-new-privileges.</summary>
[Collection(WorkerCollection.Name)]
public sealed class ContainerBoundaryTests(WorkerFixture fixture)
{
    [Theory]
    [InlineData("/tmp:/proc", "bind mount \"/tmp:/proc\": the target /proc is in the container's /proc")]
    [InlineData("/tmp:/sys/fs/cgroup", "bind mount \"/tmp:/sys/fs/cgroup\": the target /sys/fs/cgroup is in the container's /sys")]
    [InlineData("/tmp:/", "bind mount \"/tmp:/\": the target / is the container's root")]
    public void A_bind_over_root_proc_or_sys_is_refused_at_create(string volume, string expected)
    {
        var before = fixture.Ck("container", "ps", "-a", "-q").Output;

        var (code, output) = fixture.Ck("container", "create", "--network", "none", "-v", volume, "busybox", "true");

        Assert.NotEqual(0, code);
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.Single(output.Trim().Split('\n'));
        Assert.Equal(before, fixture.Ck("container", "ps", "-a", "-q").Output);
    }

    [Fact]
    public async Task Relative_bind_sources_and_tmpfs_targets_are_refused_at_create_by_the_worker()
    {
        var relativeSource = new ContainerSpec { Image = "busybox", NetworkMode = "none", Cmd = { "true" }, Volumes = { new VolumeMount { Source = "data", Target = "/data" } } };
        var relativeTmpfs = new ContainerSpec { Image = "busybox", NetworkMode = "none", Cmd = { "true" }, Tmpfs = { new TmpfsMount { Target = "run" } } };
        var before = fixture.Ck("container", "ps", "-a", "-q").Output;

        var source = await Assert.ThrowsAsync<RpcException>(() => fixture.Worker.Containers.CreateAsync(new CreateContainerRequest { Spec = relativeSource }).ResponseAsync);
        var tmpfs = await Assert.ThrowsAsync<RpcException>(() => fixture.Worker.Containers.CreateAsync(new CreateContainerRequest { Spec = relativeTmpfs }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, source.StatusCode);
        Assert.Contains("bind mount \"data:/data\": the source \"data\" must be an absolute path", source.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, tmpfs.StatusCode);
        Assert.Contains("tmpfs \"run\": the target \"run\" must be an absolute path", tmpfs.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, fixture.Ck("container", "ps", "-a", "-q").Output);
    }

    [Theory]
    [InlineData(new string[0], "NoNewPrivs:\t0")]
    [InlineData(new[] { "--security-opt", "no-new-privileges" }, "NoNewPrivs:\t1")]
    [InlineData(new[] { "--security-opt", "no-new-privileges:false" }, "NoNewPrivs:\t0")]
    public void No_new_privileges_is_set_only_with_the_security_option(string[] flags, string expected)
    {
        var (code, output) = fixture.Ck(["container", "run", "--rm", "--network", "none", .. flags, "busybox", "grep", "NoNewPrivs", "/proc/self/status"]);

        Assert.Equal(0, code);
        Assert.Equal(expected, output.Trim());
    }

    [Fact]
    public void A_container_cannot_make_host_devices_but_device_grants_one_with_its_access()
    {
        var (denied, deniedOutput) = fixture.Ck("container", "run", "--rm", "--network", "none", "busybox", "sh", "-c", "mknod /tmp/kmsg c 1 11 && echo made");
        var (granted, grantedOutput) = fixture.Ck(
            "container", "run", "--rm", "--network", "none", "--device", "/dev/loop-control:/dev/ckt-lc:r", "busybox",
            "sh", "-c", "stat -c %t:%T /dev/ckt-lc; (: < /dev/ckt-lc) && echo read-ok; (: > /dev/ckt-lc) && echo write-ok; true");

        Assert.NotEqual(0, denied);
        Assert.Contains("/tmp/kmsg: Operation not permitted", deniedOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("made", deniedOutput, StringComparison.Ordinal);
        Assert.True(granted == 0, grantedOutput);
        Assert.Contains("a:ed", grantedOutput, StringComparison.Ordinal);
        Assert.Contains("read-ok", grantedOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("write-ok", grantedOutput, StringComparison.Ordinal);
        Assert.Contains("can't create /dev/ckt-lc", grantedOutput, StringComparison.Ordinal);
    }
}
