using System.Net;
using System.Security.Cryptography;
using System.Text;
using ClusterKit.Shared.Images;
using ClusterKit.Worker.Images.Distribution;

namespace ClusterKit.Worker.Images.Tests.Distribution;

/// <summary>The distribution API client against an in-process fake registry.</summary>
public sealed class RegistryClientTests : IDisposable
{
    private const string Repository = "team/app";
    private readonly FakeRegistry _registry = new();
    private readonly RegistryClient _client;

    public RegistryClientTests()
    {
        _client = new RegistryClient(_registry.BaseAddress, _registry);
    }

    public void Dispose()
    {
        _client.Dispose();
        _registry.Dispose();
    }

    [Fact]
    public async Task An_error_body_becomes_one_message_naming_the_code_the_repository_and_the_digest()
    {
        var digest = Digests.Of("missing"u8);

        var error = await Assert.ThrowsAsync<RegistryException>(() => _client.DownloadBlobAsync(Repository, digest, 7, new MemoryStream(), null, default));

        Assert.Equal($"registry fake.test:5000: BLOB_UNKNOWN (blob unknown to registry) on GET blob, repository {Repository}, digest {digest} (HTTP 404)", error.Message);
        Assert.Equal("BLOB_UNKNOWN", Assert.Single(error.Errors).Code);
        Assert.True(error.IsNotFound);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task A_body_that_is_not_the_spec_s_shows_its_first_line_and_a_5xx_counts_as_transient()
    {
        _registry.Intercept = _ => new HttpResponseMessage(HttpStatusCode.BadGateway) { Content = new StringContent("upstream went away\nstack trace ...") };

        var error = await Assert.ThrowsAsync<RegistryException>(() => _client.PutManifestAsync(Repository, "1", "{}"u8.ToArray(), MediaTypes.OciManifest, default));

        Assert.Equal($"registry fake.test:5000: upstream went away on PUT manifest, repository {Repository}, digest {Digests.Of("{}"u8)} (HTTP 502)", error.Message);
        Assert.Empty(error.Errors);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task A_hostile_registrys_words_are_escaped_and_cut_before_anyone_prints_them()
    {
        var forged = "\u001b[2J\u001b[1;1Hblob unknown\nfake.test:5000: all good" + new string('x', 10_000);
        _registry.Intercept = _ => FakeRegistry.Error(HttpStatusCode.NotFound, "BLOB_UNKNOWN\u001b[31m", forged);

        var error = await Assert.ThrowsAsync<RegistryException>(() => _client.DownloadBlobAsync(Repository, Digests.Of("x"u8), 1, new MemoryStream(), null, default));

        Assert.DoesNotContain(error.Message, char.IsControl);
        Assert.StartsWith("registry fake.test:5000: BLOB_UNKNOWN\\x1b[31m (\\x1b[2J\\x1b[1;1Hblob unknown\\nfake.test:5000: all good", error.Message, StringComparison.Ordinal);
        Assert.InRange(error.Message.Length, 200, 500);
    }

    [Fact]
    public async Task A_blob_whose_bytes_do_not_hash_to_its_digest_fails_after_streaming()
    {
        var digest = Digests.Of("the real bytes"u8);
        _registry.Blobs[digest] = Encoding.UTF8.GetBytes("other bytes!!!");

        var error = await Assert.ThrowsAsync<RegistryException>(() => _client.DownloadBlobAsync(Repository, digest, 14, new MemoryStream(), null, default));

        Assert.StartsWith($"registry fake.test:5000: DIGEST_INVALID for repository {Repository}, digest {digest}: the bytes received hash to {Digests.Of("other bytes!!!"u8)}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_blob_longer_than_its_descriptor_fails_without_reading_the_rest()
    {
        var content = RandomNumberGenerator.GetBytes(200_000);
        var digest = Digests.Of(content);
        _registry.Blobs[digest] = content;
        var sink = new MemoryStream();

        var error = await Assert.ThrowsAsync<RegistryException>(() => _client.DownloadBlobAsync(Repository, digest, 1000, sink, null, default));

        Assert.Contains("more than the 1000 bytes its descriptor gives", error.Message, StringComparison.Ordinal);
        Assert.True(sink.Length <= 1000);
    }

    [Fact]
    public async Task A_manifest_whose_digest_header_differs_from_its_bytes_is_refused()
    {
        var manifest = "{\"schemaVersion\":2}"u8.ToArray();
        _registry.Intercept = request => request.Method == HttpMethod.Get && request.RequestUri!.AbsolutePath.Contains("/manifests/", StringComparison.Ordinal)
            ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(manifest), Headers = { { "Docker-Content-Digest", Digests.Of("x"u8) } } }
            : null;

        var error = await Assert.ThrowsAsync<RegistryException>(() => _client.GetManifestAsync(Repository, "1", default));

        Assert.Contains($"digest {Digests.Of(manifest)}: the registry's Docker-Content-Digest on GET manifest is {Digests.Of("x"u8)}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_manifest_asked_for_by_digest_must_hash_to_it()
    {
        var asked = Digests.Of("wanted"u8);
        _registry.Manifests[$"{Repository}:{asked}"] = (MediaTypes.OciManifest, "{\"other\":1}"u8.ToArray());

        var error = await Assert.ThrowsAsync<RegistryException>(() => _client.GetManifestAsync(Repository, asked, default));

        Assert.Contains($"DIGEST_INVALID for repository {Repository}, digest {asked}: the manifest received hashes to", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_manifest_is_asked_for_with_every_schema_2_media_type_and_returned_with_its_type_and_digest()
    {
        var manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\"}"u8.ToArray();
        _registry.AddManifest(Repository, "1", MediaTypes.DockerManifest, manifest);
        string[] accepted = [];
        _registry.Intercept = request =>
        {
            accepted = [.. request.Headers.Accept.Select(a => a.MediaType!)];
            return null;
        };

        var response = await _client.GetManifestAsync(Repository, "1", default);

        Assert.Equal((MediaTypes.DockerManifest, Digests.Of(manifest)), (response.MediaType, response.Digest));
        Assert.Equal([MediaTypes.OciManifest, MediaTypes.OciIndex, MediaTypes.DockerManifest, MediaTypes.DockerManifestList], accepted);
    }

    [Fact]
    public async Task A_chunked_upload_sends_content_ranges_and_resumes_at_the_offset_the_registry_reports()
    {
        var content = RandomNumberGenerator.GetBytes(10_000);
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(file, content);
            var patches = 0;
            _registry.Intercept = request =>
            {
                if (request.Method != HttpMethod.Patch || ++patches != 2)
                {
                    return null;
                }

                // The second chunk: the registry keeps 1000 of its bytes, then the connection "breaks".
                var id = request.RequestUri!.AbsolutePath.Split('/')[^1];
                _registry.Uploads[id].Write(request.Content!.ReadAsByteArrayAsync().GetAwaiter().GetResult().AsSpan(0, 1000));
                return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
            };
            var uploader = new BlobUploader(_client, new UploadOptions { ChunkSize = 4096 });
            var reported = new List<long>();

            var state = await uploader.UploadAsync(Repository, new BlobToPush(Digests.Of(content), content.Length, MediaTypes.OciLayer, file, null), new ListProgress(reported), default);

            Assert.Equal(BlobTransferState.Uploaded, state);
            Assert.Equal(["0-4095", "5096-9191", "9192-9999"], _registry.ContentRanges);
            Assert.Equal(content, _registry.Blobs[Digests.Of(content)]);
            Assert.Single(_registry.Requests, r => r.StartsWith("GET /v2/team/app/blobs/uploads/", StringComparison.Ordinal));
            Assert.Equal([4096L, 5096, 9192, 10_000], reported);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task An_upload_gives_up_after_its_resumes_run_out()
    {
        var content = RandomNumberGenerator.GetBytes(10_000);
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(file, content);
            _registry.Intercept = request => request.Method == HttpMethod.Patch ? new HttpResponseMessage(HttpStatusCode.InternalServerError) : null;
            var uploader = new BlobUploader(_client, new UploadOptions { ChunkSize = 4096, MaxResumes = 2 });

            var error = await Assert.ThrowsAsync<RegistryException>(() => uploader.UploadAsync(Repository, new BlobToPush(Digests.Of(content), content.Length, MediaTypes.OciLayer, file, null), null, default));

            Assert.Contains("on PATCH upload", error.Message, StringComparison.Ordinal);
            Assert.Equal(3, _registry.Requests.Count(r => r.StartsWith("PATCH ", StringComparison.Ordinal)));
            Assert.Empty(_registry.Blobs);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_small_blob_goes_in_one_put_and_a_mountable_one_is_mounted_without_bytes()
    {
        var small = RandomNumberGenerator.GetBytes(100);
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(file, small);
            var uploader = new BlobUploader(_client, new UploadOptions());
            var blob = new BlobToPush(Digests.Of(small), small.Length, MediaTypes.OciLayer, file, "team/base");

            var first = await uploader.UploadAsync(Repository, blob, null, default);
            var second = await uploader.UploadAsync("team/other", blob, null, default);

            Assert.Equal((BlobTransferState.Uploaded, BlobTransferState.Mounted), (first, second));
            Assert.Empty(_registry.ContentRanges);
            Assert.Equal(small, _registry.Blobs[blob.Digest]);
            Assert.Contains($"POST /v2/team/other/blobs/uploads/?mount={Uri.EscapeDataString(blob.Digest)}&from=team%2Fbase", _registry.Requests);
            Assert.Single(_registry.Requests, r => r.StartsWith("PUT ", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(file);
        }
    }

    private sealed class ListProgress(List<long> values) : IProgress<long>
    {
        public void Report(long value) => values.Add(value);
    }
}
