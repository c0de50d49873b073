using System.Text.Json.Nodes;
using System.Text;
using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Manifests;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Shared.Images;

namespace ClusterKit.Manager.Tests.Registry.Manifests;

public sealed class ManifestParserTests
{
    private static readonly byte[] Config = Encoding.ASCII.GetBytes("{}");
    private static readonly byte[] Layer1 = Encoding.ASCII.GetBytes("layer one");
    private static readonly byte[] Layer2 = Encoding.ASCII.GetBytes("layer two");

    [Theory]
    [InlineData(MediaTypes.OciManifest)]
    [InlineData(MediaTypes.DockerManifest)]
    public void An_image_manifest_lists_its_config_and_layers_as_blobs(string mediaType)
    {
        var bytes = TestManifests.Bytes(TestManifests.Image(mediaType, Config, Layer1, Layer2));

        var parsed = ManifestParser.Parse(bytes, mediaType);

        Assert.Equal(mediaType, parsed.MediaType);
        Assert.Equal(Digest.Of(bytes), parsed.Digest);
        Assert.Equal([Digest.Of(Config), Digest.Of(Layer1), Digest.Of(Layer2)], parsed.References.Select(r => r.Digest));
        Assert.All(parsed.References, r => Assert.Equal(ReferenceKind.Blob, r.Kind));
        Assert.Equal(["config", "layers[0]", "layers[1]"], parsed.References.Select(r => r.Field));
        Assert.Null(parsed.Subject);
    }

    [Theory]
    [InlineData(MediaTypes.OciIndex)]
    [InlineData(MediaTypes.DockerManifestList)]
    public void An_index_lists_its_manifests(string mediaType)
    {
        var index = TestManifests.Index(Layer1, Layer2);
        index["mediaType"] = mediaType;

        var parsed = ManifestParser.Parse(TestManifests.Bytes(index), mediaType);

        Assert.Equal(mediaType, parsed.MediaType);
        Assert.Equal([Digest.Of(Layer1), Digest.Of(Layer2)], parsed.References.Select(r => r.Digest));
        Assert.All(parsed.References, r => Assert.Equal(ReferenceKind.Manifest, r.Kind));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("application/json")]
    [InlineData("application/vnd.oci.image.manifest.v1+json; charset=utf-8")]
    public void Without_a_manifest_Content_Type_the_body_s_media_type_counts(string? contentType)
    {
        var parsed = ManifestParser.Parse(TestManifests.Bytes(TestManifests.Image(Config, Layer1)), contentType);

        Assert.Equal(MediaTypes.OciManifest, parsed.MediaType);
    }

    [Fact]
    public void An_OCI_manifest_without_mediaType_takes_it_from_the_Content_Type_or_its_fields()
    {
        var image = TestManifests.Image(Config, Layer1);
        image.Remove("mediaType");
        var index = TestManifests.Index(Layer1);
        index.Remove("mediaType");

        Assert.Equal(MediaTypes.OciManifest, ManifestParser.Parse(TestManifests.Bytes(image), MediaTypes.OciManifest).MediaType);
        Assert.Equal(MediaTypes.OciManifest, ManifestParser.Parse(TestManifests.Bytes(image), null).MediaType);
        Assert.Equal(MediaTypes.OciIndex, ManifestParser.Parse(TestManifests.Bytes(index), null).MediaType);
    }

    [Fact]
    public void Foreign_layers_need_not_exist_and_a_subject_is_kept_apart()
    {
        var image = TestManifests.Image(Config, Layer1);
        image["layers"]![0]!["mediaType"] = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
        image["subject"] = TestManifests.Descriptor(MediaTypes.OciManifest, Layer2);

        var parsed = ManifestParser.Parse(TestManifests.Bytes(image), null);

        Assert.False(parsed.References[1].MustExist);
        Assert.True(parsed.References[0].MustExist);
        Assert.Equal(Digest.Of(Layer2), parsed.Subject!.Digest);
    }

    public static TheoryData<string, string> Broken => new()
    {
        { "not json", "the manifest is not valid JSON" },
        { "[]", "the manifest must be a JSON object, not an array" },
        { "{}", "schemaVersion is missing; it must be 2" },
        { """{"schemaVersion":1}""", "schemaVersion is 1; it must be 2" },
        { """{"schemaVersion":"2"}""", "schemaVersion is \"2\"; it must be 2" },
        { """{"schemaVersion":2}""", "mediaType is missing and the manifest has neither config nor manifests" },
        { """{"schemaVersion":2,"mediaType":7}""", "mediaType must be a string" },
        { """{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v1+prettyjws"}""", "mediaType 'application/vnd.docker.distribution.manifest.v1+prettyjws' is not a manifest media type" },
        { """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}""", "config is missing" },
        { """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"x","digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":0}}""", "layers is missing" },
        { """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"x","digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":0},"layers":{}}""", "layers must be an array, not an object" },
        { """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"x","digest":"sha256:abc","size":0},"layers":[]}""", "config.digest: invalid digest 'sha256:abc'" },
        { """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"x","size":0},"layers":[]}""", "config.digest is missing or not a string" },
        { """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"x","digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":0},"layers":[{"mediaType":"x","digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":-1}]}""", "layers[0].size is missing or not a non-negative integer" },
        { """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":0},"layers":[]}""", "config.mediaType is missing or not a string" },
        { """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[7]}""", "manifests[0] must be an object, not a number" },
        { """{"schemaVersion":2,"config":{},"layers":[],"mediaType":null}""", "mediaType must be a string" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Broken_manifests_are_MANIFEST_INVALID_naming_the_field(string json, string message)
    {
        var error = Assert.Throws<RegistryException>(() => ManifestParser.Parse(Encoding.UTF8.GetBytes(json), null));

        Assert.Equal(RegistryErrorCode.ManifestInvalid, error.Code);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_media_type_that_differs_from_the_Content_Type_is_refused()
    {
        var bytes = TestManifests.Bytes(TestManifests.Image(Config, Layer1));

        var error = Assert.Throws<RegistryException>(() => ManifestParser.Parse(bytes, MediaTypes.DockerManifest));

        Assert.Equal(RegistryErrorCode.ManifestInvalid, error.Code);
        Assert.Equal($"mediaType '{MediaTypes.OciManifest}' does not match the Content-Type '{MediaTypes.DockerManifest}'", error.Message);
    }

    [Fact]
    public void A_non_manifest_Content_Type_is_refused()
    {
        var bytes = TestManifests.Bytes(TestManifests.Image(Config, Layer1));

        var error = Assert.Throws<RegistryException>(() => ManifestParser.Parse(bytes, "text/plain"));

        Assert.StartsWith("Content-Type 'text/plain' is not a manifest media type", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Docker_manifest_must_name_its_media_type()
    {
        var image = TestManifests.Image(MediaTypes.DockerManifest, Config, Layer1);
        image.Remove("mediaType");

        var error = Assert.Throws<RegistryException>(() => ManifestParser.Parse(TestManifests.Bytes(image), MediaTypes.DockerManifest));

        Assert.Contains("mediaType is missing; a Docker manifest must name its own media type", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_manifest_over_4_MiB_is_refused_with_the_limit()
    {
        var image = TestManifests.Image(Config, Layer1);
        image["annotations"] = new JsonObject { ["pad"] = new string('x', ManifestParser.MaxBytes) };
        var bytes = TestManifests.Bytes(image);

        var error = Assert.Throws<RegistryException>(() => ManifestParser.Parse(bytes, null));

        Assert.Equal(RegistryErrorCode.ManifestInvalid, error.Code);
        Assert.Equal($"the manifest is {bytes.Length} bytes; the limit is 4194304 bytes (4 MiB)", error.Message);
    }

    [Fact]
    public void A_manifest_of_exactly_the_limit_is_accepted()
    {
        var image = TestManifests.Image(Config, Layer1);
        image["annotations"] = new JsonObject { ["pad"] = string.Empty };
        var padding = ManifestParser.MaxBytes - TestManifests.Bytes(image).Length;
        image["annotations"]!["pad"] = new string('x', padding);
        var bytes = TestManifests.Bytes(image);

        Assert.Equal(ManifestParser.MaxBytes, bytes.Length);
        Assert.Equal(Digest.Of(bytes), ManifestParser.Parse(bytes, null).Digest);
    }
}
