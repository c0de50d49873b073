using System.Net;
using System.Text;
using System.Text.Json;

namespace ClusterKit.Worker.Images.Tests.Distribution;

/// <summary>
/// An in-process registry behind an HttpMessageHandler: blobs, uploads (monolithic and chunked, with
/// Content-Range checked against what it holds), mounts and manifests, in memory. <see cref="Intercept"/>
/// answers a request before the registry does (to inject errors); <see cref="Requests"/> records each one.
/// </summary>
/// <remarks>
/// Several fakes may share one <paramref name="cluster"/>'s blobs and manifests, as the managers of the cluster registry
/// share what is committed (the Raft store) while each keeps its own uploads.
/// </remarks>
internal sealed class FakeRegistry(FakeRegistry? cluster = null) : HttpMessageHandler
{
    public Uri BaseAddress { get; } = new("http://fake.test:5000/");

    /// <summary>digest -> bytes; a test may put wrong bytes under a digest.</summary>
    public Dictionary<string, byte[]> Blobs { get; } = cluster?.Blobs ?? new(StringComparer.Ordinal);

    /// <summary>"repository:reference" -> (media type, bytes).</summary>
    public Dictionary<string, (string MediaType, byte[] Content)> Manifests { get; } = cluster?.Manifests ?? new(StringComparer.Ordinal);

    public Dictionary<string, MemoryStream> Uploads { get; } = new(StringComparer.Ordinal);

    public List<string> Requests { get; } = [];

    public List<string> ContentRanges { get; } = [];

    public Func<HttpRequestMessage, HttpResponseMessage?>? Intercept { get; set; }

    /// <summary>How long a blob GET waits before answering (so that concurrent pulls overlap).</summary>
    public TimeSpan BlobDelay { get; set; }

    public void AddManifest(string repository, string reference, string mediaType, byte[] content)
    {
        Manifests[$"{repository}:{reference}"] = (mediaType, content);
        Manifests[$"{repository}:{Digests.Of(content)}"] = (mediaType, content);
    }

    public static HttpResponseMessage Error(HttpStatusCode status, string code, string message) => new(status)
    {
        Content = new StringContent(JsonSerializer.Serialize(new { errors = new[] { new { code, message, detail = (string?)null } } }), Encoding.UTF8, "application/json"),
    };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        lock (Requests)
        {
            Requests.Add($"{request.Method} {request.RequestUri.PathAndQuery}");
        }

        if (Intercept?.Invoke(request) is { } intercepted)
        {
            return intercepted;
        }

        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        if (request.Method == HttpMethod.Get && BlobDelay > TimeSpan.Zero && path.Contains("/blobs/sha256:", StringComparison.Ordinal))
        {
            await Task.Delay(BlobDelay, cancellationToken);
        }

        // One request at a time over what the fakes of one cluster share (pushes send blobs in parallel).
        lock (Blobs)
        {
            return Answer(request, path, body);
        }
    }

    private HttpResponseMessage Answer(HttpRequestMessage request, string path, byte[] body)
    {
        if (path == "/v2/")
        {
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}") };
        }

        var query = System.Web.HttpUtility.ParseQueryString(request.RequestUri!.Query);
        var marker = path.LastIndexOf("/blobs/uploads/", StringComparison.Ordinal);
        if (marker > 0)
        {
            return Upload(request, path[4..marker], path[(marker + "/blobs/uploads/".Length)..], query, body);
        }

        marker = path.LastIndexOf("/blobs/", StringComparison.Ordinal);
        if (marker > 0)
        {
            var digest = path[(marker + "/blobs/".Length)..];
            return Blobs.TryGetValue(digest, out var blob)
                ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(request.Method == HttpMethod.Head ? [] : blob) { Headers = { ContentLength = blob.Length } } }
                : request.Method == HttpMethod.Head ? new HttpResponseMessage(HttpStatusCode.NotFound) : Error(HttpStatusCode.NotFound, "BLOB_UNKNOWN", "blob unknown to registry");
        }

        marker = path.LastIndexOf("/manifests/", StringComparison.Ordinal);
        var key = $"{path[4..marker]}:{path[(marker + "/manifests/".Length)..]}";
        if (request.Method == HttpMethod.Put)
        {
            AddManifest(path[4..marker], path[(marker + "/manifests/".Length)..], request.Content!.Headers.ContentType!.MediaType!, body);
            return WithDigest(new HttpResponseMessage(HttpStatusCode.Created), Digests.Of(body));
        }

        if (!Manifests.TryGetValue(key, out var manifest))
        {
            return Error(HttpStatusCode.NotFound, "MANIFEST_UNKNOWN", "manifest unknown");
        }

        var content = new ByteArrayContent(manifest.Content);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(manifest.MediaType);
        return WithDigest(new HttpResponseMessage(HttpStatusCode.OK) { Content = content }, Digests.Of(manifest.Content));
    }

    private HttpResponseMessage Upload(HttpRequestMessage request, string repository, string id, System.Collections.Specialized.NameValueCollection query, byte[] body)
    {
        if (request.Method == HttpMethod.Post)
        {
            if (query["mount"] is { } mount && Blobs.ContainsKey(mount))
            {
                return new HttpResponseMessage(HttpStatusCode.Created);
            }

            var created = Guid.NewGuid().ToString("N");
            Uploads[created] = new MemoryStream();
            return At(new HttpResponseMessage(HttpStatusCode.Accepted), repository, created, 0);
        }

        if (!Uploads.TryGetValue(id, out var upload))
        {
            return Error(HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry");
        }

        if (request.Method == HttpMethod.Get)
        {
            return At(new HttpResponseMessage(HttpStatusCode.NoContent), repository, id, upload.Length);
        }

        if (request.Method == HttpMethod.Patch)
        {
            var range = request.Content!.Headers.NonValidated.TryGetValues("Content-Range", out var values) ? values.First() : null;
            ContentRanges.Add(range ?? "none");
            if (range is not null && !range.StartsWith($"{upload.Length}-", StringComparison.Ordinal))
            {
                return Error(HttpStatusCode.RequestedRangeNotSatisfiable, "BLOB_UPLOAD_INVALID", "range does not follow what the upload holds");
            }

            upload.Write(body);
            return At(new HttpResponseMessage(HttpStatusCode.Accepted), repository, id, upload.Length);
        }

        upload.Write(body);
        var expected = query["digest"]!;
        var actual = Digests.Of(upload.ToArray());
        Uploads.Remove(id);
        if (actual != expected)
        {
            return Error(HttpStatusCode.BadRequest, "DIGEST_INVALID", "provided digest did not match uploaded content");
        }

        Blobs[actual] = upload.ToArray();
        return WithDigest(new HttpResponseMessage(HttpStatusCode.Created), actual);
    }

    private static HttpResponseMessage At(HttpResponseMessage response, string repository, string id, long held)
    {
        response.Headers.Location = new Uri($"/v2/{repository}/blobs/uploads/{id}?_state=x", UriKind.Relative);
        response.Headers.TryAddWithoutValidation("Range", held == 0 ? "0-0" : $"0-{held - 1}");
        return response;
    }

    private static HttpResponseMessage WithDigest(HttpResponseMessage response, string digest)
    {
        response.Headers.TryAddWithoutValidation("Docker-Content-Digest", digest);
        return response;
    }
}
