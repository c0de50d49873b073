using System.Text;
using ClusterKit.Manager.Registry.Catalog;
using ClusterKit.Manager.Registry.Manifests;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Shared.Images;

namespace ClusterKit.Manager.Tests.Registry.Catalog;

public sealed class ManifestContentsTests
{
    [Fact]
    public void A_row_that_is_no_manifest_shows_as_holding_nothing_instead_of_failing_a_listing()
    {
        var bytes = Encoding.UTF8.GetBytes("not json");
        var contents = ManifestContents.Of(bytes, MediaTypes.OciManifest);

        Assert.Null(contents.Config);
        Assert.Empty(contents.Layers);
        Assert.Equal(0, contents.ImageSize);
    }

    [Fact]
    public void Foreign_layers_are_shown_but_not_counted_as_stored_blobs()
    {
        var config = Encoding.UTF8.GetBytes("{}");
        var manifest = TestManifests.Image(config, new byte[10]);
        manifest["layers"]!.AsArray().Add(new System.Text.Json.Nodes.JsonObject
        {
            ["mediaType"] = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
            ["digest"] = Digest.Of(new byte[20]).ToString(),
            ["size"] = 20,
        });
        var bytes = TestManifests.Bytes(manifest);

        Assert.Equal(2, ManifestContents.Of(bytes, MediaTypes.OciManifest).Layers.Count);
        Assert.Equal(2, ManifestParser.Parse(bytes, MediaTypes.OciManifest).StoredBlobs.Count());
        Assert.Equal(config.Length + 30, ManifestContents.Of(bytes, MediaTypes.OciManifest).ImageSize);
    }
}
