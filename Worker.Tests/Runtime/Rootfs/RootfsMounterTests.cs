using ClusterKit.TestKit;
using ClusterKit.Worker.Runtime.Rootfs;

namespace ClusterKit.Worker.Runtime.Tests.Rootfs;

public sealed class RootfsMounterTests : IDisposable
{
    private readonly TempDirectory _dir = new("ckt-rootfs");
    private readonly RecordingSystemCalls _kernel = new();

    private ContainerPaths Paths => new(_dir.Combine("c"));

    [Fact]
    public void The_overlay_stacks_the_layers_top_first_with_the_containers_upper_and_work_dirs()
    {
        Directory.CreateDirectory(_dir.Combine("l1"));
        Directory.CreateDirectory(_dir.Combine("l2"));

        var rootfs = new RootfsMounter(_kernel).Mount([_dir.Combine("l2"), _dir.Combine("l1")], Paths);

        Assert.Equal(Paths.Rootfs, rootfs);
        Assert.Equal($"mount overlay {Paths.Rootfs} overlay None lowerdir={_dir.Combine("l2")}:{_dir.Combine("l1")},upperdir={Paths.Upper},workdir={Paths.Work},volatile", Assert.Single(_kernel.Calls));
    }

    [Fact]
    public void A_volatile_upper_dir_from_this_boot_is_mounted_again()
    {
        Directory.CreateDirectory(_dir.Combine("l1"));
        var marker = Directory.CreateDirectory(Path.Combine(Paths.Work, "work", "incompat", "volatile")).FullName;

        new RootfsMounter(_kernel).Mount([_dir.Combine("l1")], Paths, RootfsMounter.BootId);

        Assert.False(Directory.Exists(marker));
        Assert.Single(_kernel.Calls);
    }

    [Fact]
    public void A_volatile_upper_dir_from_before_a_host_restart_is_refused()
    {
        Directory.CreateDirectory(_dir.Combine("l1"));
        Directory.CreateDirectory(Path.Combine(Paths.Work, "work", "incompat", "volatile"));

        var error = Assert.Throws<InvalidOperationException>(() => new RootfsMounter(_kernel).Mount([_dir.Combine("l1")], Paths, "another-boot"));

        Assert.Contains("was mounted volatile before the host restarted", error.Message);
        Assert.Empty(_kernel.Calls);
    }

    [Fact]
    public void A_volatile_upper_dir_whose_mount_saved_this_boot_is_mounted_again_without_a_plan()
    {
        // A worker that died between the mount and the plan: no label to go by, only the saved boot id.
        Directory.CreateDirectory(_dir.Combine("l1"));
        new RootfsMounter(_kernel).Mount([_dir.Combine("l1")], Paths);
        var marker = Directory.CreateDirectory(Path.Combine(Paths.Work, "work", "incompat", "volatile")).FullName;

        new RootfsMounter(_kernel).Mount([_dir.Combine("l1")], Paths);

        Assert.False(Directory.Exists(marker));
        Assert.Equal(2, _kernel.Calls.Count);
    }

    [Fact]
    public void A_saved_boot_id_of_another_boot_is_refused_whatever_the_plan_says()
    {
        Directory.CreateDirectory(_dir.Combine("l1"));
        Directory.CreateDirectory(Path.Combine(Paths.Work, "work", "incompat", "volatile"));
        Directory.CreateDirectory(Paths.RunDirectory);
        File.WriteAllText(Paths.MountBootId, "another-boot\n");

        var error = Assert.Throws<InvalidOperationException>(() => new RootfsMounter(_kernel).Mount([_dir.Combine("l1")], Paths, RootfsMounter.BootId));

        Assert.Contains("was mounted volatile before the host restarted", error.Message);
        Assert.Empty(_kernel.Calls);
    }

    [Fact]
    public void Layer_paths_that_overlayfs_cannot_take_are_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new RootfsMounter(_kernel).Mount(["/a:b"], Paths));

        Assert.StartsWith("lower directory \"/a:b\" must be an absolute path without ':' or ','", error.Message);
    }

    public void Dispose() => _dir.Dispose();
}
