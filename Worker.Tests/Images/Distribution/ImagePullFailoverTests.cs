using System.Net;
using ClusterKit.TestKit;
using ClusterKit.Worker.Images.Distribution;
using ClusterKit.Worker.Images.Store;
using ClusterKit.Worker.Images.Tests.Store;

namespace ClusterKit.Worker.Images.Tests.Distribution;

/// <summary>
/// A pull from the cluster registry when a manager dies or answers 503: two in-process fake managers, a and b, that
/// hold the same committed images; the pull goes to a first (the cluster's order).
/// </summary>
public sealed class ImagePullFailoverTests : IDisposable
{
    private readonly TempDirectory _temp = new("ckt-pull-failover");
    private readonly FakeManagers _managers = new();

    public void Dispose()
    {
        _managers.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task A_layer_cut_mid_download_when_manager_a_dies_is_fetched_whole_from_b_and_no_blob_moves_twice()
    {
        var image = await PushAsync("ckt-cut:1", "team/app:1", randomBytes: 200_000);
        var layer = image.Layers.Single();
        var servedWhole = new List<string>();
        _managers.A.Intercept = CutAfter(layer, 64 << 10, servedWhole);

        var target = StoreFiles.Open(_temp.Combine("target"));
        var pulled = await _managers.Distribution(target).PullAsync("team/app:1", _managers.Progress);

        Assert.Equal(image.Id, pulled.Image.Id);
        Assert.Equal(image.ManifestDigest, pulled.Digest);
        Assert.Equal((2, 0), (pulled.Downloaded, pulled.Present));
        Assert.Contains($"GET /v2/team/app/blobs/{layer}", _managers.A.Requests);
        Assert.Contains($"GET /v2/team/app/blobs/{layer}", _managers.B.Requests);
        Assert.All(servedWhole, digest => Assert.DoesNotContain($"GET /v2/team/app/blobs/{digest}", _managers.B.Requests));
        Assert.Contains($"GET /v2/team/app/manifests/{image.ManifestDigest}", _managers.B.Requests);
        Assert.DoesNotContain(_managers.Events, e => e.State == BlobTransferState.Failed);
        Assert.Empty(TinyImages.TempEntries(target));
    }

    [Fact]
    public async Task A_tag_moved_while_the_pull_fails_over_still_pulls_the_digest_the_first_manager_named()
    {
        var first = await PushAsync("ckt-moved:1", "team/app:1");
        var second = await PushAsync("ckt-moved:2", "team/app:2");
        _managers.A.Intercept = request =>
        {
            if (_managers.ADead || BlobDigest(request) is not null)
            {
                // The tag moves to the second image as a dies: b would name the second one for team/app:1.
                var moved = _managers.A.Manifests["team/app:2"];
                _managers.A.AddManifest("team/app", "1", moved.MediaType, moved.Content);
                return _managers.Kill();
            }

            return null;
        };

        var target = StoreFiles.Open(_temp.Combine("target"));
        var pulled = await _managers.Distribution(target).PullAsync("team/app:1");

        Assert.Equal(first.Id, pulled.Image.Id);
        Assert.NotEqual(second.Id, pulled.Image.Id);
        Assert.Equal(first.ManifestDigest, pulled.Digest);
        Assert.Contains($"GET /v2/team/app/manifests/{first.ManifestDigest}", _managers.B.Requests);
        Assert.DoesNotContain("GET /v2/team/app/manifests/1", _managers.B.Requests);
        Assert.Contains("team/app:1", pulled.Image.References);
    }

    [Fact]
    public async Task A_pull_answered_503_waits_and_retries_on_the_same_manager()
    {
        var image = await PushAsync("ckt-busy:1", "team/app:1");
        var manifests = 0;
        _managers.A.Intercept = request => IsManifestGet(request) && Interlocked.Increment(ref manifests) <= 2
            ? FakeRegistry.Error(HttpStatusCode.ServiceUnavailable, "UNAVAILABLE", FakeManagers.Unavailable)
            : null;

        var pulled = await _managers.Distribution(StoreFiles.Open(_temp.Combine("target"))).PullAsync("team/app:1");

        Assert.Equal(image.Id, pulled.Image.Id);
        Assert.Equal([1, 2], _managers.Time.Waits.Select(w => w.TotalSeconds));
        Assert.Empty(_managers.B.Requests);
    }

    [Fact]
    public async Task A_pull_that_fails_on_every_manager_names_both_and_leaves_no_blob_behind()
    {
        var image = await PushAsync("ckt-gone:1", "team/app:1", randomBytes: 100_000);
        var layer = image.Layers.Single();
        _managers.A.Intercept = CutAfter(layer, 32 << 10, []);
        _managers.B.Intercept = request => BlobDigest(request) == layer
            ? FakeRegistry.Error(HttpStatusCode.InternalServerError, "UNKNOWN", "disk on fire")
            : null;

        var target = StoreFiles.Open(_temp.Combine("target"));
        var error = await Assert.ThrowsAsync<RegistryException>(() => _managers.Distribution(target).PullAsync("team/app:1", _managers.Progress));

        Assert.StartsWith($"pull of team/app:1 failed on managers {FakeManagers.ManagerA}, {FakeManagers.ManagerB}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("the connection broke after", error.Message, StringComparison.Ordinal);
        Assert.Contains("disk on fire", error.Message, StringComparison.Ordinal);
        Assert.Empty(TinyImages.BlobFiles(target));
        Assert.Empty(TinyImages.TempEntries(target));
        Assert.Contains(_managers.Events, e => e.Digest == layer && e.State == BlobTransferState.Failed);
    }

    [Fact]
    public async Task A_manifest_unknown_on_the_first_manager_ends_the_pull_there()
    {
        await PushAsync("ckt-known:1", "team/app:1");

        var error = await Assert.ThrowsAsync<RegistryException>(() => _managers.Distribution(StoreFiles.Open(_temp.Combine("target"))).PullAsync("team/app:9"));

        Assert.Contains("MANIFEST_UNKNOWN", error.Message, StringComparison.Ordinal);
        Assert.Empty(_managers.B.Requests);
    }

    [Fact]
    public async Task Resolving_a_tag_passes_a_dead_manager_and_asks_the_next()
    {
        var image = await PushAsync("ckt-resolve:1", "team/app:1");
        _managers.A.Intercept = _ => _managers.Kill();

        var digest = await _managers.Distribution(StoreFiles.Open(_temp.Combine("target"))).ResolveDigestAsync("team/app:1");

        Assert.Equal(image.ManifestDigest, digest);
        Assert.Equal(["GET /v2/team/app/manifests/1"], _managers.B.Requests);
    }

    /// <summary>
    /// Manager a sends the first <paramref name="bytes"/> of <paramref name="layer"/> and dies (the body breaks, and
    /// every later request fails); other blobs it serves whole are recorded in <paramref name="servedWhole"/>.
    /// </summary>
    private Func<HttpRequestMessage, HttpResponseMessage?> CutAfter(string layer, int bytes, List<string> servedWhole) => request =>
    {
        if (_managers.ADead)
        {
            return _managers.Kill();
        }

        var digest = BlobDigest(request);
        if (digest == layer)
        {
            var whole = _managers.A.Blobs[layer];
            return new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StreamContent(new BreakingStream(whole.AsMemory(0, bytes), () => _managers.Kill())) { Headers = { ContentLength = whole.Length } },
            };
        }

        if (digest is not null)
        {
            lock (servedWhole)
            {
                servedWhole.Add(digest);
            }
        }

        return null;
    };

    private async Task<PushedImage> PushAsync(string name, string target, int randomBytes = 4096)
    {
        var (source, image) = await TinyImages.CreateAsync(_temp, name, randomBytes);
        var pushed = await _managers.Distribution(source).PushAsync(name, target);
        _managers.A.Requests.Clear();
        _managers.B.Requests.Clear();
        var layers = (await source.ReadForPushAsync(name, "a.test:5000", "x", CancellationToken.None)).Blobs
            .Where(b => b.Role == BlobRoleInImage.Layer).Select(b => b.Digest).ToList();
        return new PushedImage(image.Id, pushed.ManifestDigest, layers);
    }

    private static string? BlobDigest(HttpRequestMessage request)
    {
        var path = request.RequestUri!.AbsolutePath;
        var marker = path.LastIndexOf("/blobs/sha256:", StringComparison.Ordinal);
        return request.Method == HttpMethod.Get && marker > 0 && !path.Contains("/uploads/", StringComparison.Ordinal) ? path[(marker + "/blobs/".Length)..] : null;
    }

    private static bool IsManifestGet(HttpRequestMessage request) =>
        request.Method == HttpMethod.Get && request.RequestUri!.AbsolutePath.Contains("/manifests/", StringComparison.Ordinal);

    private sealed record PushedImage(string Id, string ManifestDigest, IReadOnlyList<string> Layers);

    /// <summary>A response body that yields its first bytes, then breaks as a connection to a killed process does.</summary>
    private sealed class BreakingStream(ReadOnlyMemory<byte> head, Action breaks) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_position == head.Length)
            {
                try
                {
                    breaks();
                }
                catch (HttpRequestException)
                {
                    // The manager is now dead; what its connection says is a reset.
                }

                throw new IOException("Unable to read data from the transport connection: Connection reset by peer.");
            }

            var count = Math.Min(buffer.Length, head.Length - _position);
            head.Span.Slice(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
