using System.Net;
using System.Security.Cryptography;
using System.Text;
using ClusterKit.Manager.Registry.Names;

namespace ClusterKit.Manager.Tests.Registry.Http;

public sealed class BlobEndpointTests : RegistryEndpointTestBase
{
    [Fact]
    public async Task The_API_check_answers_200_with_the_version_header()
    {
        using var response = await Client.GetAsync("/v2/");
        using var withoutSlash = await Client.GetAsync("/v2");
        using var head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/v2/"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("registry/2.0", response.Header("Docker-Distribution-API-Version"));
        Assert.Equal("{}", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, withoutSlash.StatusCode);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("registry/2.0", head.Header("Docker-Distribution-API-Version"));
    }

    [Fact]
    public async Task A_monolithic_upload_makes_a_blob_that_HEAD_and_GET_serve()
    {
        var content = Encoding.ASCII.GetBytes("a layer's bytes");
        var digest = Digest.Of(content);

        using var posted = await Client.PostAsync($"/v2/team/app/blobs/uploads/?digest={digest}", RegistryResponsesForTests.Bytes(content));
        using var head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/team/app/blobs/{digest}"));
        using var get = await Client.GetAsync($"/v2/team/app/blobs/{digest}");

        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        Assert.Equal($"/v2/team/app/blobs/{digest}", posted.Headers.Location!.OriginalString);
        Assert.Equal(digest.ToString(), posted.Header("Docker-Content-Digest"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(content.Length, head.Content.Headers.ContentLength);
        Assert.Equal(digest.ToString(), head.Header("Docker-Content-Digest"));
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Equal(content, await get.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/octet-stream", get.Content.Headers.ContentType!.MediaType);
        Assert.Equal(digest.ToString(), get.Header("Docker-Content-Digest"));
    }

    [Fact]
    public async Task A_chunked_upload_reports_its_range_and_finishes_with_PUT()
    {
        var content = RandomNumberGenerator.GetBytes(10_000);
        var digest = Digest.Of(content);

        using var started = await Client.PostAsync("/v2/app/blobs/uploads/", null);
        var location = started.Headers.Location!.OriginalString;
        var uuid = started.Header("Docker-Upload-UUID");
        using var first = await PatchAsync(location, content[..4000], "0-3999");
        using var second = await PatchAsync(location, content[4000..], "4000-9999");
        using var status = await Client.GetAsync(location);
        using var put = await Client.PutAsync($"{location}?digest={digest}", null);
        using var get = await Client.GetAsync($"/v2/app/blobs/{digest}");

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.Equal($"/v2/app/blobs/uploads/{uuid}", location);
        Assert.Equal("0-0", started.Header("Range"));
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal("0-3999", first.Header("Range"));
        Assert.Equal(location, first.Headers.Location!.OriginalString);
        Assert.Equal(uuid, first.Header("Docker-Upload-UUID"));
        Assert.Equal("0-9999", second.Header("Range"));
        Assert.Equal(HttpStatusCode.NoContent, status.StatusCode);
        Assert.Equal("0-9999", status.Header("Range"));
        Assert.Equal(uuid, status.Header("Docker-Upload-UUID"));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(digest.ToString(), put.Header("Docker-Content-Digest"));
        Assert.Equal($"/v2/app/blobs/{digest}", put.Headers.Location!.OriginalString);
        Assert.Equal(content, await get.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_streamed_upload_needs_no_Content_Range_and_PUT_may_carry_the_last_chunk()
    {
        var content = RandomNumberGenerator.GetBytes(3000);
        var digest = Digest.Of(content);
        var location = await StartUploadAsync("app");

        using var patch = await Client.PatchAsync(location, new StreamContent(new MemoryStream(content[..1000])));
        using var put = await Client.PutAsync($"{location}?digest={digest}", RegistryResponsesForTests.Bytes(content[1000..]));
        using var get = await Client.GetAsync($"/v2/app/blobs/{digest}");

        Assert.Equal("0-999", patch.Header("Range"));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(content, await get.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_chunk_out_of_order_is_416_RANGE_INVALID_and_changes_nothing()
    {
        var location = await StartUploadAsync("app");
        using var first = await PatchAsync(location, new byte[100], "0-99");

        using var gap = await PatchAsync(location, new byte[100], "200-299");
        using var status = await Client.GetAsync(location);

        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, gap.StatusCode);
        var (code, message, _) = await gap.ErrorAsync();
        Assert.Equal("RANGE_INVALID", code);
        Assert.Equal("the chunk starts at byte 200 but the upload holds 100 bytes; send the chunk starting at 100", message);
        Assert.Equal("0-99", status.Header("Range"));
    }

    [Fact]
    public async Task An_upload_resumes_on_a_restarted_registry()
    {
        var content = RandomNumberGenerator.GetBytes(6000);
        var digest = Digest.Of(content);
        var location = await StartUploadAsync("app");
        using (await PatchAsync(location, content[..2500], "0-2499"))
        {
        }

        await RestartAsync();
        using var status = await Client.GetAsync(location);
        var offset = long.Parse(status.Header("Range").Split('-')[1], System.Globalization.CultureInfo.InvariantCulture) + 1;
        using var rest = await PatchAsync(location, content[(int)offset..], $"{offset}-5999");
        using var put = await Client.PutAsync($"{location}?digest={digest}", null);
        using var get = await Client.GetAsync($"/v2/app/blobs/{digest}");

        Assert.Equal(2500, offset);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(content, await get.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_digest_mismatch_is_DIGEST_INVALID_and_leaves_no_blob_or_upload()
    {
        var content = Encoding.ASCII.GetBytes("what was sent");
        var claimed = Digest.Of(Encoding.ASCII.GetBytes("what was promised"));
        var location = await StartUploadAsync("app");

        using var put = await Client.PutAsync($"{location}?digest={claimed}", RegistryResponsesForTests.Bytes(content));
        using var status = await Client.GetAsync(location);
        using var head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/app/blobs/{claimed}"));

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        var (code, message, detail) = await put.ErrorAsync();
        Assert.Equal("DIGEST_INVALID", code);
        Assert.Contains($"have digest {Digest.Of(content)}, not {claimed}", message, StringComparison.Ordinal);
        Assert.Contains(claimed.ToString(), detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
        Assert.Equal("BLOB_UPLOAD_UNKNOWN", (await status.ErrorAsync()).Code);
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Empty(RegistryDisk.Files(Data.Combine("blobs")));
    }

    [Fact]
    public async Task A_truncated_monolithic_upload_is_refused_and_stores_nothing()
    {
        var content = RandomNumberGenerator.GetBytes(4096);
        var digest = Digest.Of(content);

        using var truncated = await Client.PostAsync($"/v2/app/blobs/uploads/?digest={digest}", RegistryResponsesForTests.Bytes(content[..1000]));
        using var head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/app/blobs/{digest}"));

        Assert.Equal(HttpStatusCode.BadRequest, truncated.StatusCode);
        Assert.Equal("DIGEST_INVALID", (await truncated.ErrorAsync()).Code);
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Empty(RegistryDisk.Entries(Data.Combine("uploads")));
    }

    [Fact]
    public async Task A_chunk_shorter_than_its_Content_Length_is_refused_and_taken_back()
    {
        var location = await StartUploadAsync("app");
        using (await PatchAsync(location, new byte[10], "0-9"))
        {
        }

        var body = RegistryResponsesForTests.Bytes(new byte[5]);
        body.Headers.ContentLength = 50;
        using var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = body };
        using var truncated = await Client.SendAsync(request);
        using var status = await Client.GetAsync(location);

        Assert.Equal(HttpStatusCode.BadRequest, truncated.StatusCode);
        Assert.Equal("BLOB_UPLOAD_INVALID", (await truncated.ErrorAsync()).Code);
        Assert.Equal("0-9", status.Header("Range"));
    }

    [Fact]
    public async Task PUT_without_a_digest_is_DIGEST_INVALID()
    {
        var location = await StartUploadAsync("app");

        using var put = await Client.PutAsync(location, null);

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Equal("DIGEST_INVALID", (await put.ErrorAsync()).Code);
    }

    [Fact]
    public async Task A_cancelled_upload_is_gone()
    {
        var location = await StartUploadAsync("app");

        using var deleted = await Client.DeleteAsync(location);
        using var again = await Client.DeleteAsync(location);
        using var patch = await PatchAsync(location, [1], "0-0");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("BLOB_UPLOAD_UNKNOWN", (await patch.ErrorAsync()).Code);
    }

    [Fact]
    public async Task An_upload_belongs_to_the_repository_that_started_it()
    {
        var location = await StartUploadAsync("app");
        var id = location[(location.LastIndexOf('/') + 1)..];

        using var elsewhere = await Client.GetAsync($"/v2/other/blobs/uploads/{id}");
        using var made_up = await Client.GetAsync("/v2/app/blobs/uploads/not-a-uuid");

        Assert.Equal("BLOB_UPLOAD_UNKNOWN", (await elsewhere.ErrorAsync()).Code);
        Assert.Equal(HttpStatusCode.NotFound, made_up.StatusCode);
    }

    [Fact]
    public async Task GET_serves_one_byte_range_with_206()
    {
        var content = Encoding.ASCII.GetBytes("0123456789");
        var digest = await PushBlobAsync("app", content);

        using var middle = await GetRangeAsync($"/v2/app/blobs/{digest}", "bytes=2-5");
        using var tail = await GetRangeAsync($"/v2/app/blobs/{digest}", "bytes=7-");
        using var suffix = await GetRangeAsync($"/v2/app/blobs/{digest}", "bytes=-3");
        using var past = await GetRangeAsync($"/v2/app/blobs/{digest}", "bytes=10-");
        using var several = await GetRangeAsync($"/v2/app/blobs/{digest}", "bytes=0-1,3-4");

        Assert.Equal(HttpStatusCode.PartialContent, middle.StatusCode);
        Assert.Equal("2345", await middle.Content.ReadAsStringAsync());
        Assert.Equal("bytes 2-5/10", middle.Content.Headers.ContentRange!.ToString());
        Assert.Equal("789", await tail.Content.ReadAsStringAsync());
        Assert.Equal("789", await suffix.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, past.StatusCode);
        Assert.Equal("bytes */10", past.Content.Headers.ContentRange!.ToString());
        Assert.Equal("RANGE_INVALID", (await past.ErrorAsync()).Code);
        Assert.Equal(HttpStatusCode.OK, several.StatusCode);
        Assert.Equal("0123456789", await several.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_blob_is_served_only_through_a_repository_that_holds_it()
    {
        var digest = await PushBlobAsync("app", Encoding.ASCII.GetBytes("mine"));

        using var other = await Client.GetAsync($"/v2/other/blobs/{digest}");
        using var head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/other/blobs/{digest}"));

        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        var (code, message, detail) = await other.ErrorAsync();
        Assert.Equal("BLOB_UNKNOWN", code);
        Assert.Equal($"blob {digest} is not in repository other", message);
        Assert.Equal($$"""{"digest":"{{digest}}"}""", detail);
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task DELETE_removes_a_blob_from_the_repository()
    {
        var digest = await PushBlobAsync("app", Encoding.ASCII.GetBytes("doomed"));

        using var deleted = await Client.DeleteAsync($"/v2/app/blobs/{digest}");
        using var again = await Client.DeleteAsync($"/v2/app/blobs/{digest}");
        using var get = await Client.GetAsync($"/v2/app/blobs/{digest}");

        Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);
        Assert.Equal("BLOB_UNKNOWN", (await again.ErrorAsync()).Code);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task A_blob_mounts_from_another_repository_without_its_bytes()
    {
        var digest = await PushBlobAsync("base/image", Encoding.ASCII.GetBytes("shared layer"));
        var absent = Digest.Of(Encoding.ASCII.GetBytes("nowhere"));

        using var mounted = await Client.PostAsync($"/v2/app/blobs/uploads/?mount={digest}&from=base/image", null);
        using var get = await Client.GetAsync($"/v2/app/blobs/{digest}");
        using var fallback = await Client.PostAsync($"/v2/app/blobs/uploads/?mount={absent}&from=base/image", null);

        Assert.Equal(HttpStatusCode.Created, mounted.StatusCode);
        Assert.Equal($"/v2/app/blobs/{digest}", mounted.Headers.Location!.OriginalString);
        Assert.Equal(digest.ToString(), mounted.Header("Docker-Content-Digest"));
        Assert.Equal("shared layer", await get.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Accepted, fallback.StatusCode);
        Assert.True(fallback.HasHeader("Docker-Upload-UUID"));
    }

    [Fact]
    public async Task Bad_digests_in_URLs_are_DIGEST_INVALID()
    {
        using var get = await Client.GetAsync("/v2/app/blobs/sha256:xyz");
        using var post = await Client.PostAsync("/v2/app/blobs/uploads/?digest=md5:abc", RegistryResponsesForTests.Bytes([1]));

        Assert.Equal("DIGEST_INVALID", (await get.ErrorAsync()).Code);
        Assert.Equal("DIGEST_INVALID", (await post.ErrorAsync()).Code);
        Assert.Empty(RegistryDisk.Entries(Data.Combine("uploads")));
    }

    private Task<HttpResponseMessage> PatchAsync(string location, byte[] chunk, string range)
    {
        var body = RegistryResponsesForTests.Bytes(chunk, "application/octet-stream");
        body.Headers.TryAddWithoutValidation("Content-Range", range);
        return Client.PatchAsync(location, body);
    }

    private Task<HttpResponseMessage> GetRangeAsync(string url, string range)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Range", range);
        return Client.SendAsync(request);
    }
}
