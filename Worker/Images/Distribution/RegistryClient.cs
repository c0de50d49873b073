using System.Net.Http.Headers;
using System.Net;
using System.Text.Json;
using ClusterKit.Shared.Images;
using ClusterKit.Worker.Images.Layers;

namespace ClusterKit.Worker.Images.Distribution;

/// <summary>A blob upload in progress: where to send the next request and how many bytes the registry holds.</summary>
internal sealed record UploadSession(string Repository, Uri Location, long Offset);

/// <summary>A manifest as received, already checked against its digest.</summary>
internal sealed record ManifestResponse(byte[] Content, string MediaType, string Digest);

/// <summary>
/// The OCI distribution API (<c>/v2/</c>) of one registry over HTTP: ping, blobs, uploads and
/// manifests. Every byte received is checked against the digest it was asked for; a failed request
/// becomes a <see cref="RegistryException"/> naming the spec's error code, the repository and the digest.
/// The handler is injected so that TLS and client certificates are configured by the caller.
/// </summary>
internal sealed class RegistryClient : IDisposable
{
    /// <summary>The largest manifest or index read or written (4 MiB, as the reference registry allows).</summary>
    public const int MaxManifestBytes = 4 << 20;

    private const string DigestHeader = "Docker-Content-Digest";

    private static readonly string[] ManifestAccept =
        [MediaTypes.OciManifest, MediaTypes.OciIndex, MediaTypes.DockerManifest, MediaTypes.DockerManifestList];

    private readonly HttpClient _http;

    /// <param name="bearerToken">Sent on every request when given (a cluster registry token).</param>
    public RegistryClient(Uri baseAddress, HttpMessageHandler handler, bool disposeHandler = false, string? bearerToken = null)
    {
        BaseAddress = baseAddress;
        _http = new HttpClient(handler, disposeHandler) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        if (!string.IsNullOrEmpty(bearerToken))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
        }
    }

    public Uri BaseAddress { get; }

    /// <summary>host:port, as error messages name the registry.</summary>
    public string Registry => BaseAddress.Authority;

    /// <summary>GET /v2/: the registry is there and speaks the API.</summary>
    public async Task PingAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v2/"), "ping", null, null, cancellationToken);
        await EnsureAsync(response, "ping", null, null, cancellationToken);
    }

    /// <summary>HEAD of a blob: its size when the repository has it, null when not.</summary>
    public async Task<long?> GetBlobSizeAsync(string repository, string digest, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Head, BlobPath(repository, digest)), "HEAD blob", repository, digest, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureAsync(response, "HEAD blob", repository, digest, cancellationToken);
        return response.Content.Headers.ContentLength ?? -1;
    }

    /// <summary>
    /// GETs a blob into <paramref name="destination"/>, hashing while it streams; fails when the bytes
    /// do not hash to <paramref name="digest"/> or their count differs from <paramref name="expectedSize"/>.
    /// The caller writes to a temporary file and keeps it only when this returns.
    /// </summary>
    public async Task DownloadBlobAsync(string repository, string digest, long expectedSize, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        _ = Digests.Hex(digest);
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, BlobPath(repository, digest)), "GET blob", repository, digest, cancellationToken, HttpCompletionOption.ResponseHeadersRead);
        await EnsureAsync(response, "GET blob", repository, digest, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await using var hashing = new HashingReadStream(body, leaveOpen: true);
        var buffer = new byte[1 << 16];
        long done = 0;
        try
        {
            int read;
            while ((read = await hashing.ReadAsync(buffer, cancellationToken)) > 0)
            {
                done += read;
                if (expectedSize >= 0 && done > expectedSize)
                {
                    throw Mismatch(repository, digest, $"the registry sent more than the {expectedSize} bytes its descriptor gives");
                }

                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                progress?.Report(done);
            }
        }
        catch (HttpRequestException ex)
        {
            throw Unreachable("GET blob", repository, digest, ex);
        }
        catch (IOException ex)
        {
            throw new RegistryException($"registry {Registry}: the connection broke after {done} bytes on GET blob{RegistryErrorBody.Where(repository, digest)}: {ex.Message}", null, [], ex);
        }

        if (expectedSize >= 0 && done != expectedSize)
        {
            throw Mismatch(repository, digest, $"the registry sent {done} bytes, the descriptor gives {expectedSize}");
        }

        var actual = await hashing.DrainAndDigestAsync(cancellationToken);
        if (actual != digest)
        {
            throw Mismatch(repository, digest, $"the bytes received hash to {actual}");
        }
    }

    /// <summary>
    /// POST to start an upload. With <paramref name="mountFrom"/>, asks to mount the blob from that
    /// repository of the same registry first: null when the mount worked (nothing to upload).
    /// </summary>
    public async Task<UploadSession?> StartUploadAsync(string repository, string? digest, string? mountFrom, CancellationToken cancellationToken)
    {
        var path = $"/v2/{repository}/blobs/uploads/";
        if (mountFrom is not null && digest is not null)
        {
            path += $"?mount={Uri.EscapeDataString(digest)}&from={Uri.EscapeDataString(mountFrom)}";
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent([]) };
        using var response = await SendAsync(request, "start upload", repository, digest, cancellationToken);
        if (mountFrom is not null && response.StatusCode == HttpStatusCode.Created)
        {
            return null;
        }

        await EnsureAsync(response, "start upload", repository, digest, cancellationToken);
        return Session(repository, response, "start upload", digest) with { Offset = 0 };
    }

    /// <summary>GET on an upload's location: how many bytes the registry holds (to resume an interrupted upload).</summary>
    public async Task<UploadSession> GetUploadStatusAsync(UploadSession session, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, session.Location), "upload status", session.Repository, null, cancellationToken);
        await EnsureAsync(response, "upload status", session.Repository, null, cancellationToken);
        return Session(session.Repository, response, "upload status", null, session.Location);
    }

    /// <summary>PATCH one chunk at the session's offset; the answer gives the next location and offset.</summary>
    public async Task<UploadSession> UploadChunkAsync(UploadSession session, ReadOnlyMemory<byte> chunk, string digest, CancellationToken cancellationToken)
    {
        using var content = new ReadOnlyMemoryContent(chunk);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.TryAddWithoutValidation("Content-Range", UploadRange.ContentRange(session.Offset, chunk.Length));
        using var request = new HttpRequestMessage(HttpMethod.Patch, session.Location) { Content = content };
        using var response = await SendAsync(request, "PATCH upload", session.Repository, digest, cancellationToken);
        await EnsureAsync(response, "PATCH upload", session.Repository, digest, cancellationToken);
        var next = Session(session.Repository, response, "PATCH upload", digest, session.Location);
        return next.Offset == 0 ? next with { Offset = session.Offset + chunk.Length } : next;
    }

    /// <summary>PUT ?digest= to finish an upload, with the last bytes (all of them for a monolithic upload) or none.</summary>
    public async Task CompleteUploadAsync(UploadSession session, string digest, ReadOnlyMemory<byte> lastBytes, CancellationToken cancellationToken)
    {
        var location = session.Location.ToString();
        var separator = location.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        using var content = new ReadOnlyMemoryContent(lastBytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var request = new HttpRequestMessage(HttpMethod.Put, $"{location}{separator}digest={Uri.EscapeDataString(digest)}") { Content = content };
        using var response = await SendAsync(request, "complete upload", session.Repository, digest, cancellationToken);
        await EnsureAsync(response, "complete upload", session.Repository, digest, cancellationToken);
        CheckDigestHeader(response, digest, "complete upload", session.Repository);
    }

    /// <summary>PUT a manifest or index under a tag or its digest; returns its digest, checked against the registry's.</summary>
    public async Task<string> PutManifestAsync(string repository, string reference, byte[] manifest, string mediaType, CancellationToken cancellationToken)
    {
        var digest = Digests.Of(manifest);
        using var content = new ByteArrayContent(manifest);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/v2/{repository}/manifests/{reference}") { Content = content };
        using var response = await SendAsync(request, "PUT manifest", repository, digest, cancellationToken);
        await EnsureAsync(response, "PUT manifest", repository, digest, cancellationToken);
        CheckDigestHeader(response, digest, "PUT manifest", repository);
        return digest;
    }

    /// <summary>
    /// GETs a manifest or index by tag or digest, accepting the OCI and Docker schema 2 types. The
    /// bytes must hash to the digest asked for, and to the registry's Docker-Content-Digest when it sends one.
    /// </summary>
    public async Task<ManifestResponse> GetManifestAsync(string repository, string reference, CancellationToken cancellationToken)
    {
        var pinned = reference.StartsWith(Digests.Prefix, StringComparison.Ordinal) ? reference : null;
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v2/{repository}/manifests/{reference}");
        foreach (var type in ManifestAccept)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        }

        using var response = await SendAsync(request, "GET manifest", repository, pinned, cancellationToken, HttpCompletionOption.ResponseHeadersRead);
        await EnsureAsync(response, "GET manifest", repository, pinned ?? reference, cancellationToken);
        var content = await ReadLimitedAsync(response, MaxManifestBytes, cancellationToken)
            ?? throw new RegistryException($"registry {Registry}: the manifest {reference} of repository {repository} is larger than {MaxManifestBytes} bytes, the limit", response.StatusCode, []);
        var digest = Digests.Of(content);
        if (pinned is not null && digest != pinned)
        {
            throw Mismatch(repository, pinned, $"the manifest received hashes to {digest}");
        }

        CheckDigestHeader(response, digest, "GET manifest", repository);
        return new ManifestResponse(content, MediaTypeOf(response, content), digest);
    }

    public void Dispose() => _http.Dispose();

    private static string BlobPath(string repository, string digest) => $"/v2/{repository}/blobs/{digest}";

    /// <summary>The Content-Type without parameters; the document's own mediaType when the header is missing or generic.</summary>
    private static string MediaTypeOf(HttpResponseMessage response, byte[] content)
    {
        var header = response.Content.Headers.ContentType?.MediaType;
        if (MediaTypes.IsManifest(header) || MediaTypes.IsIndex(header))
        {
            return header!;
        }

        try
        {
            using var document = JsonDocument.Parse(content);
            return document.RootElement.TryGetProperty("mediaType", out var type) && type.ValueKind == JsonValueKind.String
                ? type.GetString()!
                : header ?? string.Empty;
        }
        catch (JsonException)
        {
            return header ?? string.Empty;
        }
    }

    private static async Task<byte[]?> ReadLimitedAsync(HttpResponseMessage response, int limit, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > limit)
        {
            return null;
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private UploadSession Session(string repository, HttpResponseMessage response, string operation, string? digest, Uri? previous = null)
    {
        var location = response.Headers.Location;
        if (location is null && previous is null)
        {
            throw new RegistryException($"registry {Registry}: no Location header on {operation}{RegistryErrorBody.Where(repository, digest)} (HTTP {(int)response.StatusCode})", response.StatusCode, []);
        }

        var absolute = location is null ? previous! : location.IsAbsoluteUri ? location : new Uri(BaseAddress, location);
        return new UploadSession(repository, absolute, UploadRange.ParseOffset(HeaderValue(response, "Range")) ?? 0);
    }

    private static string? HeaderValue(HttpResponseMessage response, string name) =>
        response.Headers.NonValidated.TryGetValues(name, out var values) ? values.FirstOrDefault()
        : response.Content.Headers.NonValidated.TryGetValues(name, out var contentValues) ? contentValues.FirstOrDefault()
        : null;

    private void CheckDigestHeader(HttpResponseMessage response, string digest, string operation, string repository)
    {
        var header = HeaderValue(response, DigestHeader);
        if (header is not null && header != digest)
        {
            throw Mismatch(repository, digest, $"the registry's {DigestHeader} on {operation} is {header}");
        }
    }

    private RegistryException Mismatch(string repository, string digest, string detail) =>
        new($"registry {Registry}: DIGEST_INVALID for repository {repository}, digest {digest}: {detail}; nothing was kept", null, [new RegistryError("DIGEST_INVALID", detail)]);

    private RegistryException Unreachable(string operation, string? repository, string? digest, Exception error) =>
        new($"registry {Registry}: cannot reach {BaseAddress} on {operation}{RegistryErrorBody.Where(repository, digest)}: {error.Message}", null, [], error);

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string operation, string? repository, string? digest, CancellationToken cancellationToken, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        try
        {
            return await _http.SendAsync(request, completion, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw Unreachable(operation, repository, digest, ex);
        }
        finally
        {
            request.Dispose();
        }
    }

    private async Task EnsureAsync(HttpResponseMessage response, string operation, string? repository, string? digest, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await ReadLimitedAsync(response, RegistryErrorBody.MaxBytes, cancellationToken) ?? [];
        throw RegistryErrorBody.ToException(Registry, operation, response.StatusCode, body, repository, digest);
    }
}
