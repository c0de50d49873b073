using System.Text;
using System.Text.Json;
using ClusterKit.TestKit;
using ClusterKit.Worker.Images.Layers;
using ClusterKit.Worker.Images.Tests.Layers;

namespace ClusterKit.Worker.Images.Tests.Store;

public sealed class SaveLoadTests : IClassFixture<BusyboxFixture>, IDisposable
{
    private readonly BusyboxFixture _busybox;
    private readonly TempDirectory _temp = new("ckt-saveload");

    public SaveLoadTests(BusyboxFixture busybox)
    {
        _busybox = busybox;
    }

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(ArchiveFormat.Docker)]
    [InlineData(ArchiveFormat.Oci)]
    public async Task Save_then_load_gives_the_same_ids_and_byte_identical_blobs(ArchiveFormat format)
    {
        var source = StoreFiles.Open(_temp.Combine("source"));
        var image = await source.ImportAsync(new ImportRequest(_busybox.Rootfs, "busybox", ["CMD [\"sh\"]"], null));
        await source.TagAsync("busybox", "registry.local:5000/tools/busybox:1.36");
        var archive = _temp.Combine("busybox.tar");

        var bytes = await source.SaveAsync(["busybox", "registry.local:5000/tools/busybox:1.36"], archive, format);
        var target = StoreFiles.Open(_temp.Combine("target"));
        var loaded = await target.LoadAsync(archive);

        Assert.Equal(new FileInfo(archive).Length, bytes);
        Assert.Equal(["busybox:latest", "registry.local:5000/tools/busybox:1.36"], loaded);
        var back = await target.InspectAsync("busybox");
        Assert.Equal((image.Id, image.ManifestDigest), (back.Id, back.ManifestDigest));
        Assert.Equal(["busybox:latest", "registry.local:5000/tools/busybox:1.36"], back.References);
        foreach (var blob in Directory.EnumerateFiles(Path.Combine(source.Root, "blobs", "sha256")))
        {
            Assert.Equal(await File.ReadAllBytesAsync(blob), await File.ReadAllBytesAsync(Path.Combine(target.Root, "blobs", "sha256", Path.GetFileName(blob))));
        }

        Assert.Equal(LayerFiles.Describe((await source.GetLayerDirectoriesAsync(image.Id))[0]), LayerFiles.Describe((await target.GetLayerDirectoriesAsync(image.Id))[0]));
        var names = StoreFiles.ReadTar(archive).Select(e => e.Name).ToList();
        Assert.Contains("oci-layout", names);
        Assert.Contains("index.json", names);
        Assert.Equal(format == ArchiveFormat.Docker, names.Contains("manifest.json"));
        Assert.Equal(format == ArchiveFormat.Docker, names.Contains("repositories"));
    }

    [Fact]
    public async Task The_docker_archive_has_docker_load_s_manifest_and_saving_twice_gives_the_same_bytes()
    {
        var store = StoreFiles.Open(_temp.Combine("store"));
        var image = await store.ImportAsync(new ImportRequest(_busybox.Rootfs, "busybox", [], null));

        await store.SaveAsync(["busybox"], _temp.Combine("one.tar"), ArchiveFormat.Docker);
        await store.SaveAsync(["busybox:latest"], _temp.Combine("two.tar"), ArchiveFormat.Docker);

        Assert.Equal(await File.ReadAllBytesAsync(_temp.Combine("one.tar")), await File.ReadAllBytesAsync(_temp.Combine("two.tar")));
        var entries = StoreFiles.ReadTar(_temp.Combine("one.tar")).ToDictionary(e => e.Name, e => e.Content);
        using var manifest = JsonDocument.Parse(entries["manifest.json"]);
        var entry = manifest.RootElement[0];
        Assert.Equal("blobs/sha256/" + image.Id[7..], entry.GetProperty("Config").GetString());
        Assert.Equal("busybox:latest", entry.GetProperty("RepoTags")[0].GetString());
        var layerPath = entry.GetProperty("Layers")[0].GetString()!;
        Assert.Equal(Digests.Prefix + layerPath["blobs/sha256/".Length..], Digests.Of(entries[layerPath]));
        Assert.Contains("\"busybox\":{\"latest\":", Encoding.UTF8.GetString(entries["repositories"]), StringComparison.Ordinal);
        Assert.Equal(image.Id, Digests.Of(entries[entry.GetProperty("Config").GetString()!]));
    }

    [Fact]
    public async Task Loads_an_old_style_docker_save_tar_with_uncompressed_layers_and_shared_layer_symlinks()
    {
        var tree = _temp.Combine("tree");
        LayerFiles.Write(tree, "etc/motd", "old style\n");
        LayerFiles.Write(tree, "bin/tool", "#!/bin/sh\necho tool\n", (UnixFileMode)0b111_101_101);
        var (layer, diffId) = await LayerFiles.PackAsync(tree, LayerSource.Directory);
        var configA = Config(diffId, "[\"/bin/tool\"]");
        var configB = Config(diffId, "[\"sh\"]");
        var (idA, idB) = (Digests.Of(configA), Digests.Of(configB));
        var manifest = $$"""
            [{"Config":"{{idA[7..]}}.json","RepoTags":["old/style:1"],"Layers":["aaaa/layer.tar"]},
             {"Config":"{{idB[7..]}}.json","RepoTags":["old/other"],"Layers":["bbbb/layer.tar"]}]
            """;
        var archive = _temp.Combine("old.tar");
        StoreFiles.WriteTar(archive,
            [("aaaa/layer.tar", layer), ("aaaa/VERSION", "1.0"u8.ToArray()), ($"{idA[7..]}.json", configA), ($"{idB[7..]}.json", configB), ("manifest.json", Encoding.UTF8.GetBytes(manifest))],
            [("bbbb/layer.tar", "../aaaa/layer.tar")]);
        var store = StoreFiles.Open(_temp.Combine("store"));

        var loaded = await store.LoadAsync(archive);

        Assert.Equal(["old/style:1", "old/other:latest"], loaded);
        var a = await store.InspectAsync("old/style:1");
        Assert.Equal(idA, a.Id);
        Assert.Equal(["/bin/tool"], a.Config.Cmd);
        Assert.Equal(idB, (await store.InspectAsync("old/other")).Id);
        var directory = Assert.Single(await store.GetLayerDirectoriesAsync(idB));
        Assert.Equal("old style\n", await File.ReadAllTextAsync(Path.Combine(directory, "etc", "motd")));
        Assert.Single(Directory.EnumerateDirectories(Path.Combine(store.Root, "layers")));
    }

    [Fact]
    public async Task A_layer_repeated_in_an_image_is_given_to_overlayfs_once()
    {
        var empty = _temp.Combine("empty");
        Directory.CreateDirectory(empty);
        var tree = _temp.Combine("tree");
        LayerFiles.Write(tree, "etc/motd", "middle");
        var (emptyLayer, emptyDiff) = await LayerFiles.PackAsync(empty, LayerSource.Directory);
        var (layer, diffId) = await LayerFiles.PackAsync(tree, LayerSource.Directory);
        var config = Encoding.UTF8.GetBytes($$$"""{"architecture":"amd64","os":"linux","config":{"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["{{{emptyDiff}}}","{{{diffId}}}","{{{emptyDiff}}}"]}}""");
        var archive = _temp.Combine("repeat.tar");
        StoreFiles.WriteTar(archive, [("e/layer.tar", emptyLayer), ("m/layer.tar", layer), ("c.json", config),
            ("manifest.json", "[{\"Config\":\"c.json\",\"RepoTags\":[\"repeat:1\"],\"Layers\":[\"e/layer.tar\",\"m/layer.tar\",\"e/layer.tar\"]}]"u8.ToArray())]);
        var store = StoreFiles.Open(_temp.Combine("store"));
        await store.LoadAsync(archive);

        var directories = await store.GetLayerDirectoriesAsync("repeat:1");

        Assert.Equal([Path.Combine(store.Root, "layers", emptyDiff[7..]), Path.Combine(store.Root, "layers", diffId[7..])], directories);
        Assert.Equal(3, (await store.InspectAsync("repeat:1")).LayerDiffIds.Count);
    }

    [Fact]
    public async Task Images_without_a_readable_created_time_list_beside_dated_ones()
    {
        var empty = _temp.Combine("empty-tree");
        Directory.CreateDirectory(empty);
        var (layer, diffId) = await LayerFiles.PackAsync(empty, LayerSource.Directory);
        var store = StoreFiles.Open(_temp.Combine("store"));
        await store.ImportAsync(new ImportRequest(_busybox.Rootfs, "dated", [], null));
        foreach (var (name, created) in new[] { ("undated", ""), ("garbled", "\"created\":\"not a time\",") })
        {
            var config = Encoding.UTF8.GetBytes($$$"""{"architecture":"amd64","os":"linux",{{{created}}}"config":{"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["{{{diffId}}}"]}}""");
            var archive = _temp.Combine(name + ".tar");
            StoreFiles.WriteTar(archive, [("l/layer.tar", layer), ("c.json", config),
                ("manifest.json", Encoding.UTF8.GetBytes($"[{{\"Config\":\"c.json\",\"RepoTags\":[\"{name}:1\"],\"Layers\":[\"l/layer.tar\"]}}]"))]);
            await store.LoadAsync(archive);
        }

        var images = await store.ListAsync();

        Assert.Equal(["dated:latest", "garbled:1", "undated:1"], images.SelectMany(i => i.References).Order(StringComparer.Ordinal));
        Assert.NotNull(images.Single(i => i.References.Contains("dated:latest")).Created);
        Assert.All(images.Where(i => !i.References.Contains("dated:latest")), i => Assert.Null(i.Created));
    }

    [Fact]
    public async Task A_gzip_compressed_archive_loads()
    {
        var source = StoreFiles.Open(_temp.Combine("source"));
        var image = await source.ImportAsync(new ImportRequest(_busybox.Rootfs, "busybox", [], null));
        await source.SaveAsync(["busybox"], _temp.Combine("b.tar"), ArchiveFormat.Oci);
        await File.WriteAllBytesAsync(_temp.Combine("b.tar.gz"), LayerFiles.Gzip(await File.ReadAllBytesAsync(_temp.Combine("b.tar"))));

        var loaded = await StoreFiles.Open(_temp.Combine("target")).LoadAsync(_temp.Combine("b.tar.gz"));

        Assert.Equal(["busybox:latest"], loaded);
        Assert.Equal(image.Id, (await StoreFiles.Open(_temp.Combine("target")).InspectAsync("busybox")).Id);
    }

    [Fact]
    public async Task Corrupt_and_truncated_archives_fail_clearly_and_leave_the_store_unchanged()
    {
        var source = StoreFiles.Open(_temp.Combine("source"));
        await source.ImportAsync(new ImportRequest(_busybox.Rootfs, "busybox", [], null));
        var good = _temp.Combine("good.tar");
        await source.SaveAsync(["busybox"], good, ArchiveFormat.Docker);
        var entries = StoreFiles.ReadTar(good);
        using var manifestJson = JsonDocument.Parse(entries.Single(e => e.Name == "manifest.json").Content);
        var layerName = manifestJson.RootElement[0].GetProperty("Layers")[0].GetString()!;
        var bytes = await File.ReadAllBytesAsync(good);

        var cases = new Dictionary<string, string>
        {
            ["truncated-tar"] = Write("truncated.tar", bytes[..(bytes.Length / 2)]),
            ["truncated-gzip"] = Write("truncated.tar.gz", LayerFiles.Gzip(bytes)[..(bytes.Length / 3)]),
            ["no-manifest"] = WriteTar("no-manifest.tar", entries.Where(e => e.Name is not ("manifest.json" or "index.json"))),
            ["digest-mismatch"] = WriteTar("mismatch.tar", entries.Select(e => e.Name == layerName ? (e.Name, Flip(e.Content)) : e)),
            ["missing-layer"] = WriteTar("missing.tar", entries.Where(e => e.Name != layerName)),
            ["truncated-layer"] = WriteTar("short-layer.tar", entries.Select(e => e.Name == layerName ? (e.Name, e.Content[..(e.Content.Length / 2)]) : e)),
            ["bad-json"] = WriteTar("bad-json.tar", entries.Select(e => e.Name == "manifest.json" ? (e.Name, "[{\"Config\":"u8.ToArray()) : e)),
            ["null-fields"] = WriteTar("null-fields.tar", entries.Select(e => e.Name == "manifest.json" ? (e.Name, "[{\"Config\":null,\"RepoTags\":null,\"Layers\":null}]"u8.ToArray()) : e)),
        };
        var target = StoreFiles.Open(_temp.Combine("target"));
        await target.ImportAsync(new ImportRequest(_busybox.Rootfs, "keep", ["CMD [\"keep\"]"], null));
        var before = StoreFiles.Snapshot(target.Root);

        var errors = new Dictionary<string, ImageStoreException>();
        foreach (var (name, path) in cases)
        {
            errors[name] = await Assert.ThrowsAsync<ImageStoreException>(() => target.LoadAsync(path));
            Assert.Equal(before, StoreFiles.Snapshot(target.Root));
        }

        Assert.All(errors.Values, e => Assert.Equal(ImageErrorKind.CorruptContent, e.Kind));
        Assert.All(errors.Values, e => Assert.DoesNotContain('\n', e.Message));
        Assert.StartsWith($"archive {cases["truncated-tar"]} is truncated or not a valid tar", errors["truncated-tar"].Message, StringComparison.Ordinal);
        Assert.Contains("truncated", errors["truncated-gzip"].Message, StringComparison.Ordinal);
        Assert.Equal($"archive {cases["no-manifest"]} is neither a docker-save archive nor an OCI layout: it has no manifest.json and no index.json", errors["no-manifest"].Message);
        Assert.Contains($"digest mismatch: blob sha256:{layerName[13..]} hashes to sha256:", errors["digest-mismatch"].Message, StringComparison.Ordinal);
        Assert.Equal($"archive {cases["missing-layer"]} is missing '{layerName}' (named by manifest.json)", errors["missing-layer"].Message);
        Assert.Contains("digest mismatch", errors["truncated-layer"].Message, StringComparison.Ordinal);
        Assert.StartsWith($"manifest.json of {cases["bad-json"]} is malformed", errors["bad-json"].Message, StringComparison.Ordinal);
        Assert.StartsWith($"manifest.json of {cases["null-fields"]} is malformed", errors["null-fields"].Message, StringComparison.Ordinal);
        Assert.Contains("'Config'", errors["null-fields"].Message, StringComparison.Ordinal);
        Assert.Equal(["keep:latest"], (await target.ListAsync()).SelectMany(i => i.References));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(target.Root, "tmp")));
    }

    [Fact]
    public async Task A_layer_that_does_not_match_its_diff_id_is_refused()
    {
        var tree = _temp.Combine("tree");
        LayerFiles.Write(tree, "etc/motd", "hello");
        var (layer, _) = await LayerFiles.PackAsync(tree, LayerSource.Directory);
        var config = Config("sha256:" + new string('0', 64), "[\"sh\"]");
        var archive = _temp.Combine("wrong-diff.tar");
        StoreFiles.WriteTar(archive, [("l/layer.tar", layer), ("c.json", config), ("manifest.json", "[{\"Config\":\"c.json\",\"RepoTags\":[\"x:1\"],\"Layers\":[\"l/layer.tar\"]}]"u8.ToArray())]);
        var store = StoreFiles.Open(_temp.Combine("store"));

        var error = await Assert.ThrowsAsync<ImageStoreException>(() => store.LoadAsync(archive));

        Assert.Contains($"layer 'l/layer.tar' has diff id {Digests.Of(layer)}, but the config expects sha256:{new string('0', 64)}", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(store.Root, "blobs", "sha256")));
    }

    [Fact]
    public async Task Saving_an_unknown_image_or_to_a_missing_directory_fails_without_output()
    {
        var store = StoreFiles.Open(_temp.Combine("store"));
        await store.ImportAsync(new ImportRequest(_busybox.Rootfs, "busybox", [], null));

        var unknown = await Assert.ThrowsAsync<ImageStoreException>(() => store.SaveAsync(["busybox", "ghost:1"], _temp.Combine("out.tar"), ArchiveFormat.Docker));
        var nowhere = await Assert.ThrowsAsync<ImageStoreException>(() => store.SaveAsync(["busybox"], _temp.Combine("no", "out.tar"), ArchiveFormat.Docker));

        Assert.Equal("no such image: ghost:1", unknown.Message);
        var directory = await Assert.ThrowsAsync<ImageStoreException>(() => store.SaveAsync(["busybox"], _temp.Path, ArchiveFormat.Docker));
        Assert.Equal($"invalid output path '{_temp.Combine("no", "out.tar")}': directory {_temp.Combine("no")} does not exist", nowhere.Message);
        Assert.Equal($"invalid output path '{_temp.Path}': give a file to write the archive to, not a directory", directory.Message);
        Assert.False(File.Exists(_temp.Combine("out.tar")));
        Assert.Equal(ArchiveFormat.Oci, ArchiveFormats.Parse("oci"));
        Assert.Equal("invalid archive format 'zip': allowed: docker, oci", Assert.Throws<ImageStoreException>(() => ArchiveFormats.Parse("zip")).Message);
    }

    private static byte[] Config(string diffId, string cmd) => Encoding.UTF8.GetBytes(
        $$$"""{"architecture":"amd64","os":"linux","created":"2020-01-01T00:00:00.123456789Z","config":{"Cmd":{{{cmd}}}},"rootfs":{"type":"layers","diff_ids":["{{{diffId}}}"]}}""");

    private static byte[] Flip(byte[] content)
    {
        var copy = (byte[])content.Clone();
        copy[copy.Length / 2] ^= 0xff;
        return copy;
    }

    private string Write(string name, byte[] content)
    {
        var path = _temp.Combine(name);
        File.WriteAllBytes(path, content);
        return path;
    }

    private string WriteTar(string name, IEnumerable<(string Name, byte[] Content)> entries)
    {
        var path = _temp.Combine(name);
        StoreFiles.WriteTar(path, entries);
        return path;
    }
}
