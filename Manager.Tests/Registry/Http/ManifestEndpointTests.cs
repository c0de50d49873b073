using System.Net;
using System.Text.Json.Nodes;
using System.Text;
using ClusterKit.Manager.Registry.Manifests;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Shared.Images;

namespace ClusterKit.Manager.Tests.Registry.Http;

public sealed class ManifestEndpointTests : RegistryEndpointTestBase
{
    private static readonly byte[] Config = Encoding.ASCII.GetBytes("""{"architecture":"amd64","os":"linux"}""");
    private static readonly byte[] Layer = Encoding.ASCII.GetBytes("layer tar, pretend");

    [Theory]
    [InlineData(MediaTypes.OciManifest)]
    [InlineData(MediaTypes.DockerManifest)]
    public async Task A_manifest_pushed_by_tag_is_served_by_tag_and_by_digest(string mediaType)
    {
        await PushBlobAsync("team/app", Config);
        await PushBlobAsync("team/app", Layer);
        var manifest = TestManifests.Bytes(TestManifests.Image(mediaType, Config, Layer));
        var digest = Digest.Of(manifest);

        using var put = await PutManifestAsync("team/app", "v1", manifest, mediaType);
        using var byTag = await Client.GetAsync("/v2/team/app/manifests/v1");
        using var byDigest = await Client.GetAsync($"/v2/team/app/manifests/{digest}");
        using var head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/v2/team/app/manifests/v1"));

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal($"/v2/team/app/manifests/{digest}", put.Headers.Location!.OriginalString);
        Assert.Equal(digest.ToString(), put.Header("Docker-Content-Digest"));
        foreach (var response in new[] { byTag, byDigest })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(manifest, await response.Content.ReadAsByteArrayAsync());
            Assert.Equal(mediaType, response.Content.Headers.ContentType!.MediaType);
            Assert.Equal(digest.ToString(), response.Header("Docker-Content-Digest"));
        }

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(manifest.Length, head.Content.Headers.ContentLength);
        Assert.Equal(digest.ToString(), head.Header("Docker-Content-Digest"));
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task GET_returns_the_stored_media_type_whatever_Accept_asks()
    {
        var manifest = await PushImageAsync("app", "v1");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v2/app/manifests/v1");
        request.Headers.TryAddWithoutValidation("Accept", MediaTypes.DockerManifest);

        using var response = await Client.SendAsync(request);

        Assert.Equal(MediaTypes.OciManifest, response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(manifest, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_manifest_referencing_a_missing_blob_is_MANIFEST_BLOB_UNKNOWN()
    {
        await PushBlobAsync("app", Config);
        await PushBlobAsync("elsewhere", Layer);
        var manifest = TestManifests.Bytes(TestManifests.Image(Config, Layer));

        using var put = await PutManifestAsync("app", "v1", manifest, MediaTypes.OciManifest);
        using var get = await Client.GetAsync("/v2/app/manifests/v1");

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        var (code, message, detail) = await put.ErrorAsync();
        Assert.Equal("MANIFEST_BLOB_UNKNOWN", code);
        Assert.Equal($"layers[0] references blob {Digest.Of(Layer)}, which is not in repository app; push it first", message);
        Assert.Equal($$"""{"digest":"{{Digest.Of(Layer)}}"}""", detail);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task A_descriptor_whose_size_differs_from_the_blob_is_MANIFEST_INVALID()
    {
        await PushBlobAsync("app", Config);
        await PushBlobAsync("app", Layer);
        var image = TestManifests.Image(Config, Layer);
        image["layers"]![0]!["size"] = Layer.Length + 1;

        using var put = await PutManifestAsync("app", "v1", TestManifests.Bytes(image), MediaTypes.OciManifest);

        var (code, message, _) = await put.ErrorAsync();
        Assert.Equal("MANIFEST_INVALID", code);
        Assert.Equal($"layers[0].size is {Layer.Length + 1} but {Digest.Of(Layer)} is {Layer.Length} bytes", message);
    }

    [Fact]
    public async Task An_index_needs_its_manifests_in_the_repository_first()
    {
        var child = await PushImageAsync("app", null);
        var index = TestManifests.Bytes(TestManifests.Index(child));
        var missing = TestManifests.Bytes(TestManifests.Index(child, Encoding.ASCII.GetBytes("{}")));

        using var refused = await PutManifestAsync("app", "multi", missing, MediaTypes.OciIndex);
        using var stored = await PutManifestAsync("app", "multi", index, MediaTypes.OciIndex);
        using var get = await Client.GetAsync("/v2/app/manifests/multi");

        Assert.Equal("MANIFEST_BLOB_UNKNOWN", (await refused.ErrorAsync()).Code);
        Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        Assert.Equal(MediaTypes.OciIndex, get.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task A_manifest_put_by_a_digest_it_does_not_have_is_DIGEST_INVALID()
    {
        await PushBlobAsync("app", Config);
        await PushBlobAsync("app", Layer);
        var manifest = TestManifests.Bytes(TestManifests.Image(Config, Layer));
        var wrong = Digest.Of(Encoding.ASCII.GetBytes("other"));

        using var refused = await PutManifestAsync("app", wrong.ToString(), manifest, MediaTypes.OciManifest);
        using var stored = await PutManifestAsync("app", Digest.Of(manifest).ToString(), manifest, MediaTypes.OciManifest);
        using var tags = await Client.GetAsync("/v2/app/tags/list");

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("DIGEST_INVALID", (await refused.ErrorAsync()).Code);
        Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        Assert.Equal("""{"name":"app","tags":[]}""", await tags.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_manifest_over_4_MiB_is_MANIFEST_INVALID_with_the_limit()
    {
        await PushBlobAsync("app", Config);
        var image = TestManifests.Image(Config);
        image["annotations"] = new JsonObject { ["pad"] = new string('x', ManifestParser.MaxBytes) };
        var manifest = TestManifests.Bytes(image);

        using var put = await PutManifestAsync("app", "big", manifest, MediaTypes.OciManifest);

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        var (code, message, _) = await put.ErrorAsync();
        Assert.Equal("MANIFEST_INVALID", code);
        Assert.Equal($"the manifest is {manifest.Length} bytes; the limit is 4194304 bytes (4 MiB)", message);
    }

    [Theory]
    [InlineData("not json", "the manifest is not valid JSON")]
    [InlineData("""{"schemaVersion":1}""", "schemaVersion is 1; it must be 2")]
    public async Task Malformed_manifests_are_MANIFEST_INVALID_saying_why(string body, string why)
    {
        using var put = await PutManifestAsync("app", "v1", Encoding.UTF8.GetBytes(body), MediaTypes.OciManifest);

        var (code, message, _) = await put.ErrorAsync();
        Assert.Equal("MANIFEST_INVALID", code);
        Assert.Contains(why, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Content_Type_that_contradicts_the_manifest_is_MANIFEST_INVALID()
    {
        await PushBlobAsync("app", Config);
        var manifest = TestManifests.Bytes(TestManifests.Image(Config));

        using var put = await PutManifestAsync("app", "v1", manifest, MediaTypes.DockerManifest);

        Assert.Contains("does not match the Content-Type", (await put.ErrorAsync()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_a_tag_keeps_the_manifest_and_deleting_the_manifest_drops_its_tags()
    {
        var manifest = await PushImageAsync("app", "v1");
        var digest = Digest.Of(manifest);
        using (await PutManifestAsync("app", "v2", manifest, MediaTypes.OciManifest))
        {
        }

        using var untag = await Client.DeleteAsync("/v2/app/manifests/v1");
        using var goneTag = await Client.GetAsync("/v2/app/manifests/v1");
        using var stillByDigest = await Client.GetAsync($"/v2/app/manifests/{digest}");
        using var delete = await Client.DeleteAsync($"/v2/app/manifests/{digest}");
        using var v2 = await Client.GetAsync("/v2/app/manifests/v2");
        using var again = await Client.DeleteAsync($"/v2/app/manifests/{digest}");

        Assert.Equal(HttpStatusCode.Accepted, untag.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, goneTag.StatusCode);
        Assert.Equal("MANIFEST_UNKNOWN", (await goneTag.ErrorAsync()).Code);
        Assert.Equal(HttpStatusCode.OK, stillByDigest.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, v2.StatusCode);
        Assert.Equal("MANIFEST_UNKNOWN", (await again.ErrorAsync()).Code);
    }

    [Fact]
    public async Task An_unknown_manifest_is_MANIFEST_UNKNOWN_and_a_bad_tag_is_refused()
    {
        using var unknown = await Client.GetAsync("/v2/app/manifests/nope");
        using var badTag = await PutManifestAsync("app", "-bad", Encoding.ASCII.GetBytes("{}"), MediaTypes.OciManifest);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var (code, message, _) = await unknown.ErrorAsync();
        Assert.Equal("MANIFEST_UNKNOWN", code);
        Assert.Equal("manifest nope is not in repository app", message);
        Assert.Contains("invalid tag '-bad'", (await badTag.ErrorAsync()).Message, StringComparison.Ordinal);
    }

    /// <summary>Pushes the config, the layer and an image manifest over them; returns the manifest's bytes.</summary>
    private async Task<byte[]> PushImageAsync(string repository, string? tag)
    {
        await PushBlobAsync(repository, Config);
        await PushBlobAsync(repository, Layer);
        var manifest = TestManifests.Bytes(TestManifests.Image(Config, Layer));
        using var put = await PutManifestAsync(repository, tag ?? Digest.Of(manifest).ToString(), manifest, MediaTypes.OciManifest);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        return manifest;
    }

    private Task<HttpResponseMessage> PutManifestAsync(string repository, string reference, byte[] manifest, string mediaType) =>
        Client.PutAsync($"/v2/{repository}/manifests/{reference}", RegistryResponsesForTests.Bytes(manifest, mediaType));
}
