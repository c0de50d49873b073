using System.Diagnostics;
using ClusterKit.TestKit;

namespace ClusterKit.Worker.Images.Tests.Store;

public sealed class ImageStoreTests : IClassFixture<BusyboxFixture>, IDisposable
{
    private readonly BusyboxFixture _busybox;
    private readonly TempDirectory _temp = new("ckt-images");

    public ImageStoreTests(BusyboxFixture busybox)
    {
        _busybox = busybox;
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Import_a_busybox_directory_then_inspect_list_and_tag()
    {
        var store = StoreFiles.Open(_temp.Combine("store"));

        var imported = await store.ImportAsync(new ImportRequest(_busybox.Rootfs, "busybox", ["CMD [\"sh\"]", "ENV GREETING=hello", "EXPOSE 80", "LABEL tier=test", "WORKDIR /root", "USER root"], "from the test"));

        Assert.Equal(["busybox:latest"], imported.References);
        Assert.Equal(["sh"], imported.Config.Cmd);
        Assert.Equal(["GREETING=hello"], imported.Config.Env);
        Assert.Contains("80/tcp", imported.Config.ExposedPorts!.Keys);
        Assert.Equal(("/root", "root", "test"), (imported.Config.WorkingDir, imported.Config.User, imported.Config.Labels!["tier"]));
        Assert.Equal(StoreFiles.Now, imported.Created);
        Assert.Equal(("linux", "amd64"), (imported.Os, imported.Architecture));
        Assert.Single(imported.LayerDiffIds);
        Assert.True(imported.Size > 100_000);

        var hex = imported.Id[7..];
        foreach (var reference in new[] { "busybox", "busybox:latest", "docker.io/library/busybox:latest", imported.Id, hex, hex[..12], "sha256:" + hex[..8], "busybox@" + imported.ManifestDigest })
        {
            Assert.Equal(imported.Id, (await store.InspectAsync(reference)).Id);
        }

        var tagged = await store.TagAsync(hex[..12], "registry.local:5000/tools/busybox:1.36");
        Assert.Equal(["busybox:latest", "registry.local:5000/tools/busybox:1.36"], tagged.References);
        var list = await store.ListAsync();
        Assert.Equal(imported.Id, Assert.Single(list).Id);

        var layers = await store.GetLayerDirectoriesAsync(imported.Id);
        var layer = Assert.Single(layers);
        Assert.Equal(Path.Combine(store.Root, "layers", imported.LayerDiffIds[0][7..]), layer);
        Assert.Equal("/bin/busybox", new FileInfo(Path.Combine(layer, "bin", "sh")).LinkTarget);
        Assert.True(File.Exists(Path.Combine(store.Root, "oci-layout")));
        Assert.Contains(imported.ManifestDigest, await File.ReadAllTextAsync(Path.Combine(store.Root, "index.json")), StringComparison.Ordinal);
        Assert.Contains("\"docker.io/library/busybox:latest\":\"" + imported.ManifestDigest, await File.ReadAllTextAsync(Path.Combine(store.Root, "names.json")), StringComparison.Ordinal);
        Assert.Equal(["sh"], (await store.ResolveConfigAsync(imported.Id)).Config!.Cmd);
    }

    [Fact]
    public async Task A_reopened_store_sees_the_same_images_and_names()
    {
        var root = _temp.Combine("store");
        var imported = await StoreFiles.Open(root).ImportAsync(new ImportRequest(_busybox.Rootfs, "busybox:1", [], null));

        // A copy is a root this process has not opened, so everything is read back from disk.
        Run("cp", "-a", root, _temp.Combine("copy"));
        var reopened = await StoreFiles.Open(_temp.Combine("copy")).InspectAsync("busybox:1");

        Assert.Equal((imported.Id, imported.ManifestDigest, imported.Size, imported.Created), (reopened.Id, reopened.ManifestDigest, reopened.Size, reopened.Created));
        Assert.Equal(imported.References, reopened.References);
        Assert.Equal(imported.LayerDiffIds, reopened.LayerDiffIds);
    }

    [Fact]
    public async Task The_same_rootfs_gives_the_same_layer_and_image_id_in_another_store()
    {
        var first = await StoreFiles.Open(_temp.Combine("a")).ImportAsync(new ImportRequest(_busybox.Rootfs, "busybox", [], null));
        var second = await StoreFiles.Open(_temp.Combine("b")).ImportAsync(new ImportRequest(_busybox.Rootfs, "other", [], null));

        Assert.Equal(first.LayerDiffIds, second.LayerDiffIds);
        Assert.Equal(first.ManifestDigest, second.ManifestDigest);
        Assert.Equal(first.Id, second.Id);
    }

    [Fact]
    public async Task Import_takes_a_tar_and_a_tar_gz_of_the_rootfs()
    {
        var tar = _temp.Combine("rootfs.tar");
        Run("tar", "-C", _busybox.Rootfs, "-cf", tar, ".");
        Run("sh", "-c", $"gzip -c '{tar}' > '{tar}.gz'");
        var store = StoreFiles.Open(_temp.Combine("store"));

        var plain = await store.ImportAsync(new ImportRequest(tar, "from-tar", [], null));
        var gzip = await store.ImportAsync(new ImportRequest(tar + ".gz", "from-tar-gz", [], null));

        Assert.Equal(plain.LayerDiffIds, gzip.LayerDiffIds);
        var layer = Assert.Single(await store.GetLayerDirectoriesAsync(gzip.Id));
        Assert.True(File.Exists(Path.Combine(layer, "bin", "busybox")));
        Assert.Equal((UnixFileMode)0b111_111_111 | UnixFileMode.StickyBit, File.GetUnixFileMode(Path.Combine(layer, "tmp")));
    }

    [Fact]
    public async Task Remove_is_refused_while_a_container_uses_the_image_and_force_only_untags()
    {
        var store = StoreFiles.Open(_temp.Combine("store"));
        var image = await store.ImportAsync(new ImportRequest(_busybox.Rootfs, "busybox", [], null));

        var refused = await Assert.ThrowsAsync<ImageStoreException>(() => store.RemoveAsync("busybox", force: false, id => id == image.Id ? "abc123" : null));
        var forced = await store.RemoveAsync("busybox", force: true, id => id == image.Id ? "abc123" : null);

        Assert.Equal("image busybox:latest is used by container abc123; remove the container first or use --force", refused.Message);
        Assert.Equal(ImageErrorKind.Conflict, refused.Kind);
        Assert.Equal(["busybox:latest"], forced.Untagged);
        Assert.Empty(forced.Deleted);
        Assert.Empty((await store.InspectAsync(image.Id)).References);
        Assert.Single(await store.GetLayerDirectoriesAsync(image.Id));
    }

    [Fact]
    public async Task Removing_one_of_two_names_only_untags_and_the_last_name_deletes_and_collects()
    {
        var root = _temp.Combine("store");
        var store = StoreFiles.Open(root);
        var image = await store.ImportAsync(new ImportRequest(_busybox.Rootfs, "busybox", [], null));
        await store.TagAsync("busybox", "tools:1");

        var byId = await Assert.ThrowsAsync<ImageStoreException>(() => store.RemoveAsync(image.Id[7..19], force: false, _ => null));
        var first = await store.RemoveAsync("tools:1", force: false, _ => null);
        var last = await store.RemoveAsync("busybox:latest", force: false, _ => null);

        Assert.Equal($"image {image.Id[7..19]} is referenced by 2 names (busybox:latest, tools:1); remove them by name or use --force", byId.Message);
        Assert.Equal(["tools:1"], first.Untagged);
        Assert.Empty(first.Deleted);
        Assert.Equal(["busybox:latest"], last.Untagged);
        Assert.Equal([image.Id, .. image.LayerDiffIds], last.Deleted);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "blobs", "sha256")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "layers")));
        Assert.Empty(await store.ListAsync());
        var gone = await Assert.ThrowsAsync<ImageStoreException>(() => store.InspectAsync(image.Id));
        Assert.Equal($"no such image: {image.Id}", gone.Message);
    }

    [Fact]
    public async Task Forced_removal_by_id_deletes_an_image_with_several_names_but_keeps_shared_layers()
    {
        var store = StoreFiles.Open(_temp.Combine("store"));
        var image = await store.ImportAsync(new ImportRequest(_busybox.Rootfs, "busybox", [], null));
        await store.TagAsync("busybox", "tools:1");
        var child = await store.ImportAsync(new ImportRequest(_busybox.Rootfs, "child", ["CMD [\"true\"]"], null));

        var removed = await store.RemoveAsync(image.Id, force: true, _ => null);

        Assert.Equal(["busybox:latest", "tools:1"], removed.Untagged.Order(StringComparer.Ordinal));
        Assert.Equal([image.Id], removed.Deleted);
        Assert.Single(await store.GetLayerDirectoriesAsync(child.Id));
    }

    [Fact]
    public async Task Tagging_a_name_that_points_elsewhere_moves_it()
    {
        var store = StoreFiles.Open(_temp.Combine("store"));
        var old = await store.ImportAsync(new ImportRequest(_busybox.Rootfs, "app", ["CMD [\"old\"]"], null));
        var fresh = await store.ImportAsync(new ImportRequest(_busybox.Rootfs, "app", ["CMD [\"new\"]"], null));

        Assert.Equal(fresh.Id, (await store.InspectAsync("app")).Id);
        Assert.Empty((await store.InspectAsync(old.Id)).References);
        Assert.Equal(2, (await store.ListAsync()).Count);
    }

    [Theory]
    [InlineData("nothing", ImageErrorKind.NotFound, "no such image: nothing:latest")]
    [InlineData("Foo:bar", ImageErrorKind.InvalidArgument, "invalid reference 'Foo:bar': repository names must be lowercase")]
    [InlineData("sha256:xyz", ImageErrorKind.InvalidArgument, "invalid image id 'sha256:xyz': expected sha256: followed by up to 64 lowercase hex digits")]
    [InlineData("fedcba98", ImageErrorKind.NotFound, "no such image: fedcba98")]
    [InlineData("", ImageErrorKind.InvalidArgument, "invalid reference '': give a name[:tag], an image id or an id prefix")]
    public async Task Lookups_fail_with_one_line_errors(string reference, ImageErrorKind kind, string message)
    {
        var store = StoreFiles.Open(_temp.Combine("store"));

        var error = await Assert.ThrowsAsync<ImageStoreException>(() => store.InspectAsync(reference));

        Assert.Equal((kind, message), (error.Kind, error.Message));
    }

    [Fact]
    public async Task An_id_prefix_shared_by_two_images_is_ambiguous()
    {
        var store = StoreFiles.Open(_temp.Combine("store"));
        var rootfs = _temp.Combine("tiny");
        Layers.LayerFiles.Write(rootfs, "etc/motd", "tiny");
        var ids = new List<string>();

        // 17 ids share a first hex digit with an earlier one (pigeonhole), so the loop always ends.
        string? shared = null;
        for (var i = 0; shared is null; i++)
        {
            var id = (await store.ImportAsync(new ImportRequest(rootfs, null, [$"CMD [\"{i}\"]"], null))).Id[7..];
            shared = ids.FirstOrDefault(other => other[0] == id[0]) is not null ? id[..1] : null;
            ids.Add(id);
        }

        var error = await Assert.ThrowsAsync<ImageStoreException>(() => store.InspectAsync(shared));

        Assert.Equal(ImageErrorKind.Ambiguous, error.Kind);
        Assert.Matches($"^image id prefix '{shared}' matches [0-9]+ images; give more digits$", error.Message);
        Assert.Equal(ids[^1], (await store.InspectAsync(ids[^1][..12])).Id[7..]);
    }

    [Fact]
    public async Task Bad_import_input_leaves_the_store_unchanged()
    {
        var root = _temp.Combine("store");
        var store = StoreFiles.Open(root);
        await store.ImportAsync(new ImportRequest(_busybox.Rootfs, "busybox", [], null));
        var before = StoreFiles.Snapshot(root);
        var tar = _temp.Combine("rootfs.tar");
        Run("tar", "-C", _busybox.Rootfs, "-cf", tar, ".");
        var bytes = await File.ReadAllBytesAsync(tar);
        await File.WriteAllBytesAsync(tar + ".cut", bytes[..(bytes.Length / 2)]);
        await File.WriteAllBytesAsync(tar + ".gz.cut", Layers.LayerFiles.Gzip(bytes)[..(bytes.Length / 4)]);

        var truncated = await Assert.ThrowsAsync<ImageStoreException>(() => store.ImportAsync(new ImportRequest(tar + ".cut", "cut", [], null)));
        var truncatedGzip = await Assert.ThrowsAsync<ImageStoreException>(() => store.ImportAsync(new ImportRequest(tar + ".gz.cut", "cut", [], null)));
        var badReference = await Assert.ThrowsAsync<ImageStoreException>(() => store.ImportAsync(new ImportRequest(tar, "Bad", [], null)));
        var badChange = await Assert.ThrowsAsync<ImageStoreException>(() => store.ImportAsync(new ImportRequest(tar, "ok", ["RUN make"], null)));
        var missing = await Assert.ThrowsAsync<ImageStoreException>(() => store.ImportAsync(new ImportRequest(_temp.Combine("nope.tar"), "ok", [], null)));

        Assert.StartsWith("layer sha256:", truncated.Message, StringComparison.Ordinal);
        Assert.Contains("is a truncated or corrupt tar/gzip stream", truncated.Message, StringComparison.Ordinal);
        Assert.Equal(ImageErrorKind.CorruptContent, truncatedGzip.Kind);
        Assert.Equal("invalid reference 'Bad': repository names must be lowercase", badReference.Message);
        Assert.StartsWith("invalid change 'RUN make': unknown instruction RUN", badChange.Message, StringComparison.Ordinal);
        Assert.Equal($"invalid import source '{_temp.Combine("nope.tar")}': no such file or directory (expected a rootfs tar, tar.gz or directory)", missing.Message);
        Assert.Equal(before, StoreFiles.Snapshot(root));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "tmp")));
    }

    [Fact]
    public async Task Opening_a_store_after_a_crash_deletes_the_partial_download_and_half_unpacked_layer_left_in_tmp()
    {
        // What a pull killed mid-layer or mid-unpack leaves: a partial blob file and a staging directory in tmp/.
        var root = _temp.Combine("crashed");
        Directory.CreateDirectory(Path.Combine(root, "tmp", "layer-0123", "usr", "bin"));
        await File.WriteAllBytesAsync(Path.Combine(root, "tmp", "layer-0123", "usr", "bin", "half"), new byte[4096]);
        await File.WriteAllBytesAsync(Path.Combine(root, "tmp", "pull-4567"), new byte[65536]);

        var store = StoreFiles.Open(root);
        await store.RecoverAsync();

        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "tmp")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "blobs", "sha256")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "layers")));
        Assert.Empty(await store.ListAsync());
    }

    [Fact]
    public void Another_process_cannot_lock_a_data_root_this_process_uses()
    {
        var root = _temp.Combine("store");
        StoreFiles.Open(root);

        var info = new ProcessStartInfo("flock", ["--nonblock", "--conflict-exit-code", "42", Path.Combine(root, "lock"), "true"]);
        using var process = Process.Start(info)!;
        process.WaitForExit();

        Assert.Equal(42, process.ExitCode);
    }

    [Fact]
    public async Task Concurrent_imports_into_one_store_all_land()
    {
        var root = _temp.Combine("store");
        var tasks = Enumerable.Range(0, 4).Select(i => StoreFiles.Open(root).ImportAsync(new ImportRequest(_busybox.Rootfs, $"app:{i}", [$"CMD [\"{i}\"]"], null)));

        var images = await Task.WhenAll(tasks);

        var list = await StoreFiles.Open(root).ListAsync();
        Assert.Equal(4, list.Count);
        Assert.Equal(images.Select(i => i.Id).Order(), list.Select(i => i.Id).Order());
        Assert.Single(Directory.EnumerateDirectories(Path.Combine(root, "layers")));
    }

    private static void Run(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} failed: {error}");
    }
}
