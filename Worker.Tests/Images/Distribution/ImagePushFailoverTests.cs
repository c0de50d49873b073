using System.Net;
using ClusterKit.TestKit;
using ClusterKit.Worker.Images.Distribution;
using ClusterKit.Worker.Images.Store;
using ClusterKit.Worker.Images.Tests.Store;

namespace ClusterKit.Worker.Images.Tests.Distribution;

/// <summary>
/// A push to the cluster registry when a manager dies or answers 503: two in-process fake managers, a and b, share
/// what is committed (blobs, manifests) and keep their own uploads; the push goes to a first (the cluster's order).
/// </summary>
public sealed class ImagePushFailoverTests : IDisposable
{
    private const string ManagerA = FakeManagers.ManagerA;
    private const string ManagerB = FakeManagers.ManagerB;
    private const string Unavailable = FakeManagers.Unavailable;

    private readonly TempDirectory _temp = new("ckt-push-failover");
    private readonly FakeManagers _managers = new();

    private FakeRegistry A => _managers.A;

    private FakeRegistry B => _managers.B;

    private SkippingTimeProvider Time => _managers.Time;

    private List<BlobProgress> Events => _managers.Events;

    public void Dispose()
    {
        _managers.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task A_blob_upload_cut_mid_body_when_manager_a_dies_starts_again_on_b_and_the_push_completes_there()
    {
        var (source, image) = await TinyImages.CreateAsync(_temp, "ckt-failover:1", randomBytes: 50_000);
        var patches = 0;
        A.Intercept = request =>
        {
            return _managers.ADead || (request.Method == HttpMethod.Patch && Interlocked.Increment(ref patches) == 2) ? _managers.Kill() : null;
        };

        var pushed = await Distribution(source).PushAsync("ckt-failover:1", "team/app:1", _managers.Progress);

        Assert.Equal(image.ManifestDigest, pushed.ManifestDigest);
        Assert.Equal((2, 0, 0), (pushed.Uploaded, pushed.Existing, pushed.Mounted));
        Assert.Contains(A.Requests, r => r.StartsWith("GET /v2/team/app/blobs/uploads/", StringComparison.Ordinal));
        Assert.DoesNotContain(A.Requests, r => r.Contains("/manifests/", StringComparison.Ordinal));
        Assert.Equal(2, B.Requests.Count(r => r.StartsWith("HEAD /v2/team/app/blobs/sha256:", StringComparison.Ordinal)));
        Assert.Contains(B.Requests, r => r.StartsWith("POST /v2/team/app/blobs/uploads/", StringComparison.Ordinal));
        Assert.Contains("PUT /v2/team/app/manifests/1", B.Requests);
        Assert.DoesNotContain(Events, e => e.State == BlobTransferState.Failed);
        Assert.Equal(BlobTransferState.Uploaded, Events.Last(e => e.Role == BlobRole.Layer).State);

        // What b holds is the image: a pull (which also passes the dead a) gets the same one.
        var target = StoreFiles.Open(_temp.Combine("target"));
        var pulled = await Distribution(target).PullAsync("team/app:1");
        Assert.Equal(image.Id, pulled.Image.Id);
    }

    [Fact]
    public async Task A_chunk_answered_503_on_a_live_manager_resumes_there_and_the_next_manager_sees_nothing()
    {
        var (source, image) = await TinyImages.CreateAsync(_temp, "ckt-resume:1", randomBytes: 50_000);
        var patches = 0;
        A.Intercept = request => request.Method == HttpMethod.Patch && Interlocked.Increment(ref patches) == 2
            ? FakeRegistry.Error(HttpStatusCode.ServiceUnavailable, "UNAVAILABLE", Unavailable)
            : null;

        var pushed = await Distribution(source).PushAsync("ckt-resume:1", "team/app:1");

        Assert.Equal(image.ManifestDigest, pushed.ManifestDigest);
        Assert.Single(A.Requests, r => r.StartsWith("GET /v2/team/app/blobs/uploads/", StringComparison.Ordinal));
        Assert.Equal(2, A.Requests.Count(r => r.StartsWith("POST /v2/team/app/blobs/uploads/", StringComparison.Ordinal)));
        Assert.Empty(B.Requests);
        Assert.Empty(Time.Waits);
    }

    [Fact]
    public async Task When_a_dies_on_the_manifest_put_b_finds_every_blob_committed_and_uploads_none()
    {
        var (source, image) = await TinyImages.CreateAsync(_temp, "ckt-manifest:1");
        A.Intercept = request =>
        {
            return _managers.ADead || IsManifestPut(request) ? _managers.Kill() : null;
        };

        var pushed = await Distribution(source).PushAsync("ckt-manifest:1", "team/app:1");

        Assert.Equal(image.ManifestDigest, pushed.ManifestDigest);
        Assert.Equal((2, 0), (pushed.Uploaded, pushed.Existing));
        Assert.Equal(2, B.Requests.Count(r => r.StartsWith("HEAD /v2/team/app/blobs/sha256:", StringComparison.Ordinal)));
        Assert.DoesNotContain(B.Requests, r => r.StartsWith("POST ", StringComparison.Ordinal) || r.StartsWith("PATCH ", StringComparison.Ordinal));
        Assert.Equal(("GET /v2/", "PUT /v2/team/app/manifests/1", 4), (B.Requests[0], B.Requests[^1], B.Requests.Count));
        Assert.Empty(Time.Waits);
    }

    [Fact]
    public async Task A_manifest_put_answered_503_once_is_retried_once_on_the_same_manager_after_a_second()
    {
        var (source, image) = await TinyImages.CreateAsync(_temp, "ckt-ack:1");
        var puts = 0;
        A.Intercept = request => IsManifestPut(request) && Interlocked.Increment(ref puts) == 1
            ? FakeRegistry.Error(HttpStatusCode.ServiceUnavailable, "UNAVAILABLE", Unavailable)
            : null;

        var pushed = await Distribution(source).PushAsync("ckt-ack:1", "team/app:1");

        Assert.Equal(image.ManifestDigest, pushed.ManifestDigest);
        Assert.Equal(2, puts);
        Assert.Equal([TimeSpan.FromSeconds(1)], Time.Waits);
        Assert.Empty(B.Requests);
        Assert.Equal((2, 0), (pushed.Uploaded, pushed.Existing));
    }

    [Fact]
    public async Task A_manifest_put_answered_503_forever_fails_after_the_two_minute_bound_naming_each_manager_and_its_answer()
    {
        var (source, _) = await TinyImages.CreateAsync(_temp, "ckt-never:1");
        var putsA = 0;
        var putsB = 0;
        A.Intercept = request => IsManifestPut(request) ? Refuse(ref putsA) : null;
        B.Intercept = request => IsManifestPut(request) ? Refuse(ref putsB) : null;

        var error = await Assert.ThrowsAsync<RegistryException>(() => Distribution(source).PushAsync("ckt-never:1", "team/app:1", _managers.Progress));

        Assert.StartsWith($"push of team/app:1 failed on managers {ManagerA}, {ManagerB}: registry {ManagerA}: UNAVAILABLE ({Unavailable}) on PUT manifest, repository team/app", error.Message, StringComparison.Ordinal);
        Assert.Contains($"; registry {ManagerB}: UNAVAILABLE ({Unavailable}) on PUT manifest", error.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal([1, 2, 4, 8, 15, 15, 15, 15, 15, 15, 15], Time.Waits.Select(w => w.TotalSeconds));
        Assert.Equal(TimeSpan.FromMinutes(2), Time.Elapsed);
        Assert.Equal((12, 1), (putsA, putsB));
        Assert.DoesNotContain(Events, e => e.State == BlobTransferState.Failed);
    }

    [Fact]
    public async Task A_refusal_ends_the_push_on_the_first_manager_without_trying_the_next()
    {
        var (source, _) = await TinyImages.CreateAsync(_temp, "ckt-denied:1");
        A.Intercept = request => request.Method == HttpMethod.Post
            ? FakeRegistry.Error(HttpStatusCode.Forbidden, "DENIED", "requested access to the resource is denied")
            : null;

        var error = await Assert.ThrowsAsync<RegistryException>(() => Distribution(source).PushAsync("ckt-denied:1", "team/app:1", _managers.Progress));

        Assert.StartsWith($"registry {ManagerA}: DENIED (requested access to the resource is denied) on start upload", error.Message, StringComparison.Ordinal);
        Assert.Empty(B.Requests);
        Assert.Contains(Events, e => e.State == BlobTransferState.Failed);
    }

    /// <summary>A manager with no leader: counts the request and answers 503 UNAVAILABLE.</summary>
    private static HttpResponseMessage Refuse(ref int count)
    {
        Interlocked.Increment(ref count);
        return FakeRegistry.Error(HttpStatusCode.ServiceUnavailable, "UNAVAILABLE", Unavailable);
    }

    private static bool IsManifestPut(HttpRequestMessage request) =>
        request.Method == HttpMethod.Put && request.RequestUri!.AbsolutePath.Contains("/manifests/", StringComparison.Ordinal);

    private ImageDistribution Distribution(ImageStore store) => _managers.Distribution(store);
}
