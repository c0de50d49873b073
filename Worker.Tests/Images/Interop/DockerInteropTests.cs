using System.Text.Json;
using ClusterKit.TestKit;
using ClusterKit.Worker.Images.Tests.Layers;
using ClusterKit.Worker.Images.Tests.Store;

namespace ClusterKit.Worker.Images.Tests.Interop;

/// <summary>
/// Our archives against a real dockerd (Debian's docker.io, private to a temp directory):
/// docker load takes what SaveAsync writes, and LoadAsync takes what docker save writes, with
/// the same image ids, configs and layer diff ids on both sides.
/// </summary>
public sealed class DockerInteropTests : IClassFixture<PrivateDockerdFixture>
{
    private readonly PrivateDockerdFixture _docker;

    public DockerInteropTests(PrivateDockerdFixture docker)
    {
        _docker = docker;
    }

    [Fact]
    public async Task Our_docker_archive_loads_into_docker_load_with_the_same_ids_config_and_diff_ids()
    {
        var store = StoreFiles.Open(NewDirectory());
        var (imported, committed) = await TwoImagesAsync(store, "ckt-ours-a");
        var archive = Path.Combine(NewDirectory(), "ours.tar");
        await store.SaveAsync(["ckt-ours-a:1", "ckt-ours-a:committed"], archive, ArchiveFormat.Docker);

        var output = await _docker.DockerAsync("load", "-i", archive);

        Assert.Contains("Loaded image: ckt-ours-a:1", output, StringComparison.Ordinal);
        Assert.Contains("Loaded image: ckt-ours-a:committed", output, StringComparison.Ordinal);
        foreach (var (name, ours) in new[] { ("ckt-ours-a:1", imported), ("ckt-ours-a:committed", committed) })
        {
            var theirs = await _docker.InspectAsync(name);
            Assert.Equal(ours.Id, theirs.GetProperty("Id").GetString());
            Assert.Equal(ours.Config.Cmd, Strings(theirs.GetProperty("Config"), "Cmd"));
            Assert.Equal(ours.Config.Env, Strings(theirs.GetProperty("Config"), "Env"));
            Assert.Equal(ours.LayerDiffIds, Strings(theirs.GetProperty("RootFS"), "Layers"));
        }

        Assert.Equal(2, committed.LayerDiffIds.Count);
    }

    [Fact]
    public async Task Docker_save_of_our_image_loads_back_with_the_same_ids_config_and_diff_ids()
    {
        var source = StoreFiles.Open(NewDirectory());
        var (_, committed) = await TwoImagesAsync(source, "ckt-ours-b");
        var ours = Path.Combine(NewDirectory(), "ours.tar");
        await source.SaveAsync(["ckt-ours-b:committed"], ours, ArchiveFormat.Docker);
        await _docker.DockerAsync("load", "-i", ours);
        var theirs = Path.Combine(NewDirectory(), "theirs.tar");
        await _docker.DockerAsync("save", "-o", theirs, "ckt-ours-b:committed");

        var target = StoreFiles.Open(NewDirectory());
        var loaded = await target.LoadAsync(theirs);

        Assert.Equal(["ckt-ours-b:committed"], loaded);
        var back = await target.InspectAsync("ckt-ours-b:committed");
        Assert.Equal(committed.Id, back.Id);
        Assert.Equal(committed.LayerDiffIds, back.LayerDiffIds);
        Assert.Equal(committed.Config.Cmd, back.Config.Cmd);
        Assert.Equal(committed.Config.Env, back.Config.Env);
        var layers = await target.GetLayerDirectoriesAsync(back.Id);
        Assert.Equal("second layer", await File.ReadAllTextAsync(Path.Combine(layers[0], "srv", "second.txt")));
        Assert.True(File.Exists(Path.Combine(layers[1], "bin", "busybox")));
    }

    [Fact]
    public async Task An_image_docker_imported_and_saved_loads_with_docker_s_id_config_and_diff_ids()
    {
        var rootfsTar = Path.Combine(NewDirectory(), "rootfs.tar");
        await HostProcess.RunCheckedAsync("tar", ["-C", _docker.Rootfs, "-cf", rootfsTar, "."], TimeSpan.FromSeconds(30));
        await _docker.DockerAsync("import", "--change", "CMD [\"sh\", \"-c\", \"echo hi\"]", "--change", "ENV GREETING=from-docker", rootfsTar, "ckt-docker-c:1");
        var inspected = await _docker.InspectAsync("ckt-docker-c:1");
        var theirs = Path.Combine(NewDirectory(), "theirs.tar");
        await _docker.DockerAsync("save", "-o", theirs, "ckt-docker-c:1");

        var store = StoreFiles.Open(NewDirectory());
        var loaded = await store.LoadAsync(theirs);

        Assert.Equal(["ckt-docker-c:1"], loaded);
        var image = await store.InspectAsync("ckt-docker-c:1");
        Assert.Equal(inspected.GetProperty("Id").GetString(), image.Id);
        Assert.Equal(Strings(inspected.GetProperty("RootFS"), "Layers"), image.LayerDiffIds);
        Assert.Equal(["sh", "-c", "echo hi"], image.Config.Cmd);
        Assert.Equal(Strings(inspected.GetProperty("Config"), "Env"), image.Config.Env);
        Assert.Contains("GREETING=from-docker", image.Config.Env!);
        var layers = await store.GetLayerDirectoriesAsync(image.Id);
        Assert.Equal(LayerFiles.Describe(_docker.Rootfs), LayerFiles.Describe(Assert.Single(layers)));
    }

    [Fact]
    public async Task Our_oci_archive_loads_into_docker_25_and_later_and_docker_20_refuses_it_for_want_of_manifest_json()
    {
        var store = StoreFiles.Open(NewDirectory());
        var (imported, _) = await TwoImagesAsync(store, "ckt-ours-d");
        var archive = Path.Combine(NewDirectory(), "ours-oci.tar");
        await store.SaveAsync(["ckt-ours-d:1"], archive, ArchiveFormat.Oci);

        var result = await _docker.TryDockerAsync("load", "-i", archive);

        var major = int.Parse(_docker.ServerVersion.Split('.')[0], System.Globalization.CultureInfo.InvariantCulture);
        if (major >= 25)
        {
            Assert.True(result.ExitCode == 0, $"docker {_docker.ServerVersion} refused our OCI layout: {result.Stderr}");
            Assert.Equal(imported.Id, (await _docker.InspectAsync("ckt-ours-d:1")).GetProperty("Id").GetString());
        }
        else
        {
            // Docker before 25 loads only docker-save archives: without manifest.json it falls back to
            // the pre-1.10 layout (a directory per layer with a json file) and trips over blobs/.
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("blobs/json: no such file or directory", result.Stderr, StringComparison.Ordinal);
        }
    }

    /// <summary>busybox imported with a CMD and an ENV as NAME:1, and a commit of one more file as NAME:committed.</summary>
    private async Task<(ImageDetails Imported, ImageDetails Committed)> TwoImagesAsync(ClusterKit.Worker.Images.Store.ImageStore store, string name)
    {
        var imported = await store.ImportAsync(new ImportRequest(_docker.Rootfs, name + ":1", ["CMD [\"sh\", \"-c\", \"echo hello\"]", "ENV GREETING=hello"], "interop"));
        var upper = NewDirectory();
        LayerFiles.Write(upper, "srv/second.txt", "second layer");
        var committed = await store.CommitAsync(new CommitRequest(upper, imported.Id, name + ":committed", ["ENV SECOND=2"], "second layer"));
        return (imported, committed);
    }

    private string NewDirectory()
    {
        var path = _docker.Combine(Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path);
        return path;
    }

    private static List<string>? Strings(JsonElement parent, string property) =>
        parent.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Select(e => e.GetString()!).ToList()
            : null;
}
