using System.Net;
using System.Text;
using ClusterKit.Manager.Registry.Metadata;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Registry.Replication;
using ClusterKit.Manager.Registry.Storage;
using ClusterKit.Manager.Store.Raft;
using ClusterKit.Shared.Images;
using ClusterKit.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace ClusterKit.Manager.Tests.Registry.Http;

/// <summary>A manifest push whose bytes cannot be committed or located: the metadata never names bytes that exist nowhere.</summary>
public sealed class ManifestStorageFaultTests : IAsyncLifetime, IDisposable
{
    private static readonly byte[] Config = Encoding.ASCII.GetBytes("""{"architecture":"amd64","os":"linux"}""");
    private static readonly byte[] Layer = Encoding.ASCII.GetBytes("layer tar, pretend");

    private readonly TempDirectory _data = new("ck-registry-manifest-fault");
    private readonly FailingLocations _locations = new();
    private RegistryTestServer? _server;

    private RegistryTestServer Server => _server ?? throw new InvalidOperationException("the server has not started");

    public async Task InitializeAsync() => _server = await RegistryTestServer.StartAsync(_data.Path, s => s.AddSingleton<IBlobLocations>(_locations));

    public async Task DisposeAsync()
    {
        try
        {
            if (_server is not null)
            {
                await _server.DisposeAsync();
            }
        }
        finally
        {
            _data.Dispose();
        }
    }

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task A_manifest_row_is_never_written_when_recording_its_bytes_failed()
    {
        await PushBlobAsync(Config);
        await PushBlobAsync(Layer);
        var manifest = TestManifests.Bytes(TestManifests.Image(Config, Layer));
        var digest = Digest.Of(manifest);
        _locations.Fail = true;

        var put = await SendOrFailAsync(() => Server.Client.PutAsync("/v2/team/app/manifests/v1", RegistryResponsesForTests.Bytes(manifest, MediaTypes.OciManifest)));
        _locations.Fail = false;

        Assert.NotEqual(HttpStatusCode.Created, put);
        var metadata = Server.Service<IRegistryMetadata>();
        var app = RepositoryName.Parse("team/app");
        Assert.Null(await metadata.GetManifestAsync(app, digest, CancellationToken.None));
        Assert.Null(await metadata.ResolveTagAsync(app, "v1", CancellationToken.None));
        using var get = await Server.Client.GetAsync($"/v2/team/app/manifests/{digest}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);

        // Pushed again once the store records locations: stored and served.
        using var again = await Server.Client.PutAsync("/v2/team/app/manifests/v1", RegistryResponsesForTests.Bytes(manifest, MediaTypes.OciManifest));
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(manifest, await Server.Client.GetByteArrayAsync("/v2/team/app/manifests/v1"));
    }

    [Fact]
    public async Task A_manifest_row_is_never_written_when_committing_its_bytes_failed()
    {
        await PushBlobAsync(Config);
        await PushBlobAsync(Layer);
        var manifest = TestManifests.Bytes(TestManifests.Image(Config, Layer));
        var digest = Digest.Of(manifest);
        var blobs = (FileBlobStore)Server.Service<IBlobStore>();

        // The disk refuses new files: the upload directory is replaced by a file.
        var uploads = Path.Combine(blobs.Root, "uploads");
        Directory.Delete(uploads, recursive: true);
        await File.WriteAllTextAsync(uploads, "not a directory");
        var put = await SendOrFailAsync(() => Server.Client.PutAsync($"/v2/team/app/manifests/{digest}", RegistryResponsesForTests.Bytes(manifest, MediaTypes.OciManifest)));

        Assert.NotEqual(HttpStatusCode.Created, put);
        Assert.Null(await Server.Service<IRegistryMetadata>().GetManifestAsync(RepositoryName.Parse("team/app"), digest, CancellationToken.None));
        Assert.Null(await blobs.GetSizeAsync(digest, CancellationToken.None));
        Assert.Equal(0, _locations.Recorded.Count(d => d == digest));
    }

    [Fact]
    public async Task A_store_without_a_leader_is_answered_503_UNAVAILABLE_and_the_push_retried_after_the_failover_is_stored()
    {
        await PushBlobAsync(Config);
        await PushBlobAsync(Layer);
        var manifest = TestManifests.Bytes(TestManifests.Image(Config, Layer));
        _locations.Failure = () => new LeaderUnavailableException("no leader is elected");
        _locations.Fail = true;

        using (var put = await Server.Client.PutAsync("/v2/team/app/manifests/v1", RegistryResponsesForTests.Bytes(manifest, MediaTypes.OciManifest)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, put.StatusCode);
            var (code, message, _) = await put.ErrorAsync();
            Assert.Equal("UNAVAILABLE", code);
            Assert.Contains("no leader just now; retry: no leader is elected", message, StringComparison.Ordinal);
        }

        _locations.Fail = false;
        using var again = await Server.Client.PutAsync("/v2/team/app/manifests/v1", RegistryResponsesForTests.Bytes(manifest, MediaTypes.OciManifest));
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
    }

    private async Task PushBlobAsync(byte[] content)
    {
        using var response = await Server.Client.PostAsync($"/v2/team/app/blobs/uploads/?digest={Digest.Of(content)}", RegistryResponsesForTests.Bytes(content));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    /// <summary>The status a request got, or 500 when the server's failure reached the test client as an exception (TestHost does that).</summary>
    private static async Task<HttpStatusCode> SendOrFailAsync(Func<Task<HttpResponseMessage>> send)
    {
        try
        {
            using var response = await send();
            return response.StatusCode;
        }
        catch (Exception failed) when (failed is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            return HttpStatusCode.InternalServerError;
        }
    }

    /// <summary>Blob locations whose store write fails while <see cref="Fail"/> is set (the Raft store lost its leader, say).</summary>
    private sealed class FailingLocations : IBlobLocations
    {
        public bool Fail { get; set; }

        /// <summary>What a failing write throws.</summary>
        public Func<Exception> Failure { get; set; } = () => new IOException("the store refused the write");

        public List<Digest> Recorded { get; } = [];

        public Task RecordLocalAsync(Digest digest, long size, CancellationToken cancellationToken)
        {
            if (Fail)
            {
                throw Failure();
            }

            lock (Recorded)
            {
                Recorded.Add(digest);
            }

            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<BlobLocation>> PeersHoldingAsync(Digest digest, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<BlobLocation>>([]);
    }
}
