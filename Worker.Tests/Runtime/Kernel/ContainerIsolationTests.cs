namespace ClusterKit.Worker.Runtime.Tests.Kernel;

/// <summary>What a process sees from inside a container (real kernel, as root).</summary>
public sealed class ContainerIsolationTests(RuntimeTestbed bed) : IClassFixture<RuntimeTestbed>
{
    [Fact]
    public async Task Pid_1_is_the_init_and_host_processes_are_invisible()
    {
        var hostPid = Environment.ProcessId;
        var (exit, stdout, _) = await bed.RunAsync(bed.Shell(
            $"ls /proc | grep -cE '^[0-9]+$'; tr '\\0' ' ' < /proc/1/cmdline; echo; echo self=$$; test -e /proc/{hostPid}/status && echo host-visible || echo host-hidden"));

        Assert.Equal(0, exit.ExitCode);
        var lines = stdout.Split('\n');
        Assert.InRange(int.Parse(lines[0]), 2, 4);
        Assert.Contains("ck-init", lines[1]);
        Assert.Equal("self=2", lines[2]);
        Assert.Equal("host-hidden", lines[3]);
    }

    [Fact]
    public async Task Hostname_comes_from_the_launch()
    {
        var launch = bed.Shell("hostname; cat /etc/hostname; echo $HOSTNAME") with { Hostname = "ckt-web-1" };

        var (_, stdout, _) = await bed.RunAsync(launch);

        Assert.Equal("ckt-web-1\nckt-web-1\nckt-web-1\n", stdout);
    }

    [Theory]
    [InlineData(new string[0], new string[0], "00000000a80425fb")]
    [InlineData(new string[0], new[] { "NET_RAW" }, "00000000a80405fb")]
    [InlineData(new[] { "SYS_ADMIN" }, new string[0], "00000000a82425fb")]
    [InlineData(new[] { "NET_BIND_SERVICE" }, new[] { "ALL" }, "0000000000000400")]
    public async Task Effective_capabilities_are_dockers_defaults_changed_by_add_and_drop(string[] add, string[] drop, string expected)
    {
        var launch = bed.Shell("grep -E '^Cap(Eff|Bnd)' /proc/self/status") with { CapAdd = add, CapDrop = drop };

        var (_, stdout, _) = await bed.RunAsync(launch);

        Assert.Contains("CapEff:\t" + expected, stdout);
        Assert.Contains("CapBnd:\t" + expected, stdout);
    }

    [Fact]
    public async Task A_non_root_user_has_no_effective_capabilities()
    {
        var launch = bed.Shell("id; grep CapEff /proc/self/status") with { User = "www" };

        var (_, stdout, _) = await bed.RunAsync(launch);

        Assert.Contains("uid=33(www) gid=33(www)", stdout);
        Assert.Contains("CapEff:\t0000000000000000", stdout);
    }

    [Fact]
    public async Task Seccomp_denies_mount_with_EPERM_even_with_CAP_SYS_ADMIN()
    {
        var script = "mkdir -p /mnt/t; mount -t tmpfs none /mnt/t && echo mounted";
        var filtered = bed.Shell(script) with { CapAdd = ["SYS_ADMIN"] };
        var unconfined = bed.Shell(script) with { CapAdd = ["SYS_ADMIN"], SeccompUnconfined = true };

        var (exit, stdout, stderr) = await bed.RunAsync(filtered);
        var (_, unconfinedOut, _) = await bed.RunAsync(unconfined);

        Assert.NotEqual(0, exit.ExitCode);
        Assert.DoesNotContain("mounted", stdout);
        // busybox mount words EPERM as "permission denied (are you root?)".
        Assert.Contains("permission denied", stderr);
        Assert.Equal("mounted\n", unconfinedOut);
    }

    [Fact]
    public async Task Masked_paths_are_empty_and_proc_sys_is_read_only()
    {
        var (_, stdout, stderr) = await bed.RunAsync(bed.Shell(
            "wc -c < /proc/timer_list; wc -c < /proc/keys; ls -A /proc/acpi | wc -l; touch /proc/acpi/x 2>&1 || echo acpi-ro; echo x > /proc/sys/kernel/domainname || echo sys-ro; echo 1 > /proc/sysrq-trigger || echo sysrq-ro"));

        Assert.Equal("0\n0\n0\n", string.Join('\n', stdout.Split('\n').Take(3)) + "\n");
        Assert.Contains("sys-ro", stdout);
        Assert.Contains("sysrq-ro", stdout);
        Assert.Contains("acpi-ro", stdout);
        Assert.Contains("Read-only file system", stderr);
    }

    [Fact]
    public async Task Writes_land_in_the_upper_dir_and_the_lower_layer_stays_untouched()
    {
        var launch = bed.Shell("echo data > /root/new-file && rm /etc/group && ls /etc/group 2>/dev/null || echo gone");
        var container = await bed.StartAsync(launch);
        await container.WaitAsync(RuntimeTestbed.Timeout());

        Assert.Equal("data\n", File.ReadAllText(Path.Combine(container.Paths.Upper, "root", "new-file")));
        Assert.False(File.Exists(Path.Combine(bed.Lower, "root", "new-file")));
        Assert.True(File.Exists(Path.Combine(bed.Lower, "etc", "group")));
        Assert.Contains("gone", RuntimeTestbed.Join(Runtime.Logs.ContainerLogs.Read(container.LogPath), "stdout"));
    }

    [Fact]
    public async Task A_read_only_rootfs_refuses_writes_but_tmpfs_volumes_take_them()
    {
        var launch = bed.Shell("touch /root/x || echo root-ro; touch /scratch/x && echo tmpfs-ok") with
        {
            ReadOnlyRootfs = true,
            Tmpfs = [new TmpfsMount("/scratch", "size=1m")],
        };

        var (_, stdout, _) = await bed.RunAsync(launch);

        Assert.Equal("root-ro\ntmpfs-ok\n", stdout);
    }

    [Fact]
    public async Task Bind_volumes_show_host_files_read_only_when_asked()
    {
        var hostDir = bed.NewContainerDirectory() + "-vol";
        Directory.CreateDirectory(hostDir);
        File.WriteAllText(Path.Combine(hostDir, "hello.txt"), "from the host\n");
        var launch = bed.Shell("cat /data/hello.txt; touch /data/new || echo vol-ro") with
        {
            Binds = [new BindMount(hostDir, "/data", ReadOnly: true)],
        };

        var (_, stdout, _) = await bed.RunAsync(launch);

        Assert.Equal("from the host\nvol-ro\n", stdout);
        Directory.Delete(hostDir, true);
    }

    [Fact]
    public async Task The_network_namespace_is_new_with_only_loopback_up()
    {
        var (_, stdout, _) = await bed.RunAsync(bed.Shell("ls /sys/class/net; cat /sys/class/net/lo/operstate; ping -c1 -W1 127.0.0.1 >/dev/null && echo ping-ok"));

        Assert.StartsWith("lo\n", stdout);
        Assert.Contains("ping-ok", stdout);
    }

    [Fact]
    public async Task The_before_exec_hook_sees_the_namespaces_before_the_command_runs()
    {
        var launch = bed.Shell("echo ran > /root/ran");
        var hostNet = File.ResolveLinkTarget("/proc/self/ns/net", false)!.Name;
        string? containerNet = null;
        var ranBeforeHook = true;

        var container = await bed.StartAsync(launch, (pid, _) =>
        {
            containerNet = File.ResolveLinkTarget($"/proc/{pid}/ns/net", false)!.Name;
            ranBeforeHook = File.Exists(Path.Combine(launch.ContainerDirectory, "upper", "root", "ran"));
            return Task.CompletedTask;
        });
        await container.WaitAsync(RuntimeTestbed.Timeout());

        Assert.NotNull(containerNet);
        Assert.NotEqual(hostNet, containerNet);
        Assert.False(ranBeforeHook);
        Assert.True(File.Exists(Path.Combine(container.Paths.Upper, "root", "ran")));
    }

    [Fact]
    public async Task A_symlink_in_the_image_cannot_lead_a_mount_point_onto_the_host()
    {
        var hostTarget = "/tmp/ckt-escape-" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..6]);
        var image = Path.Combine(Path.GetDirectoryName(bed.Lower)!, "evil-" + Path.GetFileName(hostTarget));
        Directory.CreateDirectory(image);
        File.CreateSymbolicLink(Path.Combine(image, "mnt"), hostTarget);
        var launch = bed.Shell("ls -d /mnt/vol && echo inside") with
        {
            LowerDirs = [image, bed.Lower],
            Tmpfs = [new TmpfsMount("/mnt/vol")],
        };

        try
        {
            var (_, stdout, _) = await bed.RunAsync(launch);
            Assert.Equal("/mnt/vol\ninside\n", stdout);
        }
        catch (ContainerStartException e)
        {
            Assert.Contains("/mnt/vol", e.Message);
        }
        finally
        {
            Assert.False(Directory.Exists(hostTarget), $"{hostTarget} was created on the host");
            Directory.Delete(image, true);
        }
    }

    [Fact]
    public async Task Pid_1_shows_no_host_paths()
    {
        var (_, stdout, _) = await bed.RunAsync(bed.Shell("tr '\\0' ' ' < /proc/1/cmdline"));

        // The kernel reports the whole original argument area, NULs shown as spaces here.
        Assert.Equal("ck-init", stdout.TrimEnd());
    }
}
