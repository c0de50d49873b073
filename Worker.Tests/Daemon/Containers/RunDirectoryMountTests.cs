using ClusterKit.TestKit;
using ClusterKit.Worker.Containers;
using ClusterKit.Worker.Host;

namespace ClusterKit.Worker.Tests.Containers;

public sealed class RunDirectoryMountTests
{
    private const string MountInfo =
        "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n" +
        "25 22 0:21 / /run rw,nosuid shared:5 - tmpfs tmpfs rw,mode=755\n" +
        "30 22 0:30 / /tmp/with\\040space rw shared:9 - tmpfs tmpfs rw\n" +
        "31 25 0:31 / /run/user rw shared:10 - ext4 /dev/vdb rw\n" +
        "32 31 0:32 / /run/user rw shared:11 - tmpfs tmpfs rw\n";

    [Theory]
    [InlineData("/run/clusterkit/containers", "tmpfs")]
    [InlineData("/run", "tmpfs")]
    [InlineData("/runner/x", "ext4")]
    [InlineData("/var/lib/clusterkit", "ext4")]
    [InlineData("/tmp/with space/c", "tmpfs")]
    [InlineData("/run/user/0", "tmpfs")]
    public void The_file_system_is_the_last_mount_at_the_longest_mount_point_above_the_path(string path, string expected) =>
        Assert.Equal(expected, RunDirectoryMount.FileSystemOf(path, MountInfo));

    [Fact]
    public void Mounts_under_a_root_come_deepest_and_latest_first_and_nothing_outside_it()
    {
        const string info =
            "22 1 254:0 / / rw - ext4 /dev/vda rw\n" +
            "40 22 0:40 / /run/ck rw - tmpfs tmpfs rw\n" +
            "41 40 0:41 / /run/ck/containers/a/rootfs rw - overlay overlay rw\n" +
            "42 40 0:42 / /run/ck/containers/b/rootfs rw - overlay overlay rw\n" +
            "43 41 0:43 / /run/ck/containers/a/rootfs/proc rw - proc proc rw\n" +
            "44 22 0:44 / /run/ckother rw - tmpfs tmpfs rw\n";

        Assert.Equal(
            ["/run/ck/containers/a/rootfs/proc", "/run/ck/containers/b/rootfs", "/run/ck/containers/a/rootfs", "/run/ck"],
            RunDirectoryMount.MountsUnder("/run/ck", info));
        Assert.Empty(RunDirectoryMount.MountsUnder("/", info));
    }

    [Fact]
    public void Ensure_mounts_a_tmpfs_once_and_keeps_it_for_the_next_worker()
    {
        using var dir = new TempDirectory("ckt-run");
        var run = dir.Combine("run", "containers");
        var mounted = false;
        try
        {
            mounted = RunDirectoryMount.Ensure(run, LinuxSystemCalls.Instance);
            Assert.True(mounted);
            File.WriteAllText(Path.Combine(run, "pid"), "1 2 x\n");

            Assert.False(RunDirectoryMount.Ensure(run, LinuxSystemCalls.Instance));
            Assert.True(File.Exists(Path.Combine(run, "pid")));
            Assert.Equal("tmpfs", RunDirectoryMount.FileSystemOf(run, File.ReadAllText("/proc/self/mountinfo")));
        }
        finally
        {
            if (mounted)
            {
                LinuxSystemCalls.Instance.Unmount(run, UnmountFlags.Detach);
            }
        }

        Assert.False(File.Exists(Path.Combine(run, "pid")));
    }
}
