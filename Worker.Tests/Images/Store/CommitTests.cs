using ClusterKit.TestKit;
using ClusterKit.Worker.Host;
using ClusterKit.Worker.Images.Configs;
using ClusterKit.Worker.Images.Layers;
using ClusterKit.Worker.Images.Tests.Layers;

namespace ClusterKit.Worker.Images.Tests.Store;

/// <summary>
/// Commit against the real kernel: a container's changes are made through a real overlayfs mount
/// over the image's unpacked layers, its upper dir is committed, and the new image's layers are
/// mounted again to see the result (root only, mounts under the test's own ckt- folder).
/// </summary>
public sealed class CommitTests : IClassFixture<BusyboxFixture>, IDisposable
{
    private readonly BusyboxFixture _busybox;
    private readonly TempDirectory _temp = new("ckt-commit");
    private readonly List<string> _mounts = [];

    public CommitTests(BusyboxFixture busybox)
    {
        _busybox = busybox;
    }

    public void Dispose()
    {
        foreach (var mount in Enumerable.Reverse(_mounts))
        {
            LinuxSystemCalls.Instance.Unmount(mount, UnmountFlags.Detach);
        }

        _temp.Dispose();
    }

    [Fact]
    public async Task A_committed_upper_dir_with_a_new_file_a_deletion_and_an_opaque_dir_gives_the_expected_tree()
    {
        var store = StoreFiles.Open(_temp.Combine("store"));
        var parent = await store.ImportAsync(new ImportRequest(_busybox.Rootfs, "busybox", ["CMD [\"sh\"]", "ENV A=1"], null));
        var upper = _temp.Combine("upper");
        var merged = Mount(await store.GetLayerDirectoriesAsync(parent.Id), upper);
        await File.WriteAllTextAsync(Path.Combine(merged, "root", "new.txt"), "made in the container");
        File.Delete(Path.Combine(merged, "etc", "group"));
        Directory.Delete(Path.Combine(merged, "var", "www"), recursive: true);
        Directory.CreateDirectory(Path.Combine(merged, "var", "www"));
        await File.WriteAllTextAsync(Path.Combine(merged, "var", "www", "other.html"), "replaced");
        Unmount(merged);

        var committed = await store.CommitAsync(new CommitRequest(upper, parent.Id, "busybox:committed", ["CMD [\"httpd\", \"-f\"]"], "test commit") { Author = "ck tests" });

        Assert.Equal(["busybox:committed"], committed.References);
        Assert.Equal(2, committed.LayerDiffIds.Count);
        Assert.Equal(parent.LayerDiffIds[0], committed.LayerDiffIds[0]);
        Assert.Equal(["httpd", "-f"], committed.Config.Cmd);
        Assert.Equal(["A=1"], committed.Config.Env);
        var config = await store.ResolveConfigAsync(committed.Id);
        Assert.Equal("ck tests", config.Author);
        Assert.Equal("test commit", config.History![^1].Comment);
        var layers = await store.GetLayerDirectoriesAsync(committed.Id);
        Assert.Equal((await store.GetLayerDirectoriesAsync(parent.Id))[0], layers[1]);

        var view = Mount(layers, upper: null);
        Assert.Equal("made in the container", await File.ReadAllTextAsync(Path.Combine(view, "root", "new.txt")));
        Assert.False(File.Exists(Path.Combine(view, "etc", "group")));
        Assert.True(File.Exists(Path.Combine(view, "etc", "passwd")));
        Assert.Equal(["other.html"], Directory.EnumerateFileSystemEntries(Path.Combine(view, "var", "www")).Select(Path.GetFileName));
        Assert.True(File.Exists(Path.Combine(view, "bin", "busybox")));
        var top = layers[0];
        Assert.True(Whiteouts.IsOverlayWhiteout(LayerFiles.Kernel.GetFileStatus(Path.Combine(top, "etc", "group"))));
        Assert.Equal("y"u8.ToArray(), LayerFiles.Kernel.GetExtendedAttribute(Path.Combine(top, "var", "www"), "trusted.overlay.opaque"));
    }

    [Fact]
    public async Task Commit_with_a_container_config_replaces_the_parent_config_before_the_changes()
    {
        var store = StoreFiles.Open(_temp.Combine("store"));
        var parent = await store.ImportAsync(new ImportRequest(_busybox.Rootfs, "busybox", ["CMD [\"sh\"]", "ENV A=1"], null));
        var upper = _temp.Combine("upper");
        LayerFiles.Write(upper, "srv/app.sh", "echo app", (UnixFileMode)0b111_101_101);
        var ran = new ContainerConfig { Cmd = ["/srv/app.sh"], Env = ["A=2", "B=3"], WorkingDir = "/srv" };

        var committed = await store.CommitAsync(new CommitRequest(upper, "busybox", "app", ["EXPOSE 8080"], null) { ContainerConfig = ran });

        Assert.Equal(["/srv/app.sh"], committed.Config.Cmd);
        Assert.Equal(["A=2", "B=3"], committed.Config.Env);
        Assert.Equal("/srv", committed.Config.WorkingDir);
        Assert.Contains("8080/tcp", committed.Config.ExposedPorts!.Keys);
        Assert.Equal(["sh"], (await store.InspectAsync(parent.Id)).Config.Cmd);
    }

    [Fact]
    public async Task A_commit_that_fails_leaves_nothing_behind()
    {
        var store = StoreFiles.Open(_temp.Combine("store"));
        await store.ImportAsync(new ImportRequest(_busybox.Rootfs, "busybox", [], null));
        var before = StoreFiles.Snapshot(store.Root);
        var upper = _temp.Combine("upper");
        LayerFiles.Write(upper, "x", "y");

        var unknownParent = await Assert.ThrowsAsync<ImageStoreException>(() => store.CommitAsync(new CommitRequest(upper, "sha256:" + new string('e', 64), "x", [], null)));
        var badReference = await Assert.ThrowsAsync<ImageStoreException>(() => store.CommitAsync(new CommitRequest(upper, "busybox", "X:1", [], null)));
        var badChange = await Assert.ThrowsAsync<ImageStoreException>(() => store.CommitAsync(new CommitRequest(upper, "busybox", "x", ["EXPOSE nope"], null)));
        var noUpper = await Assert.ThrowsAsync<ImageStoreException>(() => store.CommitAsync(new CommitRequest(_temp.Combine("none"), "busybox", "x", [], null)));

        Assert.Equal($"no such image: sha256:{new string('e', 64)}", unknownParent.Message);
        Assert.Equal("invalid reference 'X:1': repository names must be lowercase", badReference.Message);
        Assert.Equal("invalid change 'EXPOSE nope': port 'nope' is not a number from 1 to 65535", badChange.Message);
        Assert.Equal($"invalid upper directory '{_temp.Combine("none")}': no such directory", noUpper.Message);
        Assert.Equal(before, StoreFiles.Snapshot(store.Root));
    }

    /// <summary>Mounts overlayfs over the layers (top first), writable when an upper dir is given.</summary>
    private string Mount(IReadOnlyList<string> lowerTopFirst, string? upper)
    {
        var merged = _temp.Combine($"merged-{_mounts.Count}");
        Directory.CreateDirectory(merged);
        var options = "lowerdir=" + string.Join(':', lowerTopFirst);
        if (upper is not null)
        {
            var work = _temp.Combine($"work-{_mounts.Count}");
            Directory.CreateDirectory(upper);
            Directory.CreateDirectory(work);
            options += $",upperdir={upper},workdir={work}";
        }

        LinuxSystemCalls.Instance.Mount("ckt-overlay-" + Path.GetFileName(_temp.Path), merged, "overlay", MountFlags.None, options);
        _mounts.Add(merged);
        return merged;
    }

    private void Unmount(string merged)
    {
        LinuxSystemCalls.Instance.Unmount(merged, UnmountFlags.None);
        _mounts.Remove(merged);
    }
}
