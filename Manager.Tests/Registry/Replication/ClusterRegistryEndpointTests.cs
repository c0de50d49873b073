using System.Net;
using System.Text;
using ClusterKit.Manager.Registry.Http;
using ClusterKit.Manager.Registry.Metadata;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Registry.Replication;
using ClusterKit.Manager.Registry.Storage;
using ClusterKit.Manager.Store;
using ClusterKit.Manager.Store.Leadership;
using ClusterKit.Manager.Tests.Registry.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace ClusterKit.Manager.Tests.Registry.Replication;

/// <summary>
/// Three managers' registry endpoints in process (TestHost), each with its own blob store, all over one store, with
/// replication and garbage collection registered as ck-manager registers them; peers reached in process.
/// </summary>
public sealed class ClusterRegistryEndpointTests : IAsyncLifetime, IDisposable
{
    private static readonly string[] Members = ["m1", "m2", "m3"];

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private readonly LocalStore _store = new(new MemoryStore());
    private readonly RegistryManagers _managers;
    private readonly Dictionary<string, WebApplication> _apps = new(StringComparer.Ordinal);

    public ClusterRegistryEndpointTests()
    {
        _managers = new RegistryManagers(_store, new FakeTimeProvider(DateTimeOffset.UnixEpoch), Members);
    }

    private CancellationToken _ct => _timeout.Token;

    public async Task InitializeAsync()
    {
        foreach (var member in Members)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseTestServer();
            builder.Logging.ClearProviders();
            builder.Services.AddRouting();
            builder.Services.AddSingleton<IStore>(_store);
            builder.Services.AddSingleton<IRegistryMetadata>(new StoreRegistryMetadata(_store));
            builder.Services.AddSingleton<IBlobStore>(_managers.Blobs[member]);
            builder.Services.AddSingleton(_managers.Membership(member));
            builder.Services.AddSingleton<IBlobPeerFetcher>(_managers.Fetcher);
            builder.Services.AddSingleton<ILeadership>(new LeadershipSignal());
            builder.Services.AddSingleton<IRegistryAccess, RegistryTestServer.TestAccess>();
            builder.Services.AddClusterKitRegistryReplication(o => o.Interval = TimeSpan.FromMinutes(10));
            builder.Services.AddClusterKitRegistry(_managers.Blobs[member].Root);
            var app = builder.Build();
            RegistryEndpoints.Map(app);
            await app.StartAsync(_ct);
            _apps[member] = app;
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var app in _apps.Values)
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }

    public void Dispose()
    {
        _managers.Dispose();
        _timeout.Dispose();
    }

    [Fact]
    public async Task A_blob_pushed_to_one_manager_is_served_by_the_others_and_survives_that_managers_death()
    {
        var layer = Encoding.UTF8.GetBytes("a layer pushed to m1 only");
        var digest = Digest.Of(layer);
        using var m1 = _apps["m1"].GetTestClient();
        using var m2 = _apps["m2"].GetTestClient();
        using var m3 = _apps["m3"].GetTestClient();

        var pushed = await m1.PostAsync($"/v2/team/app/blobs/uploads/?digest={digest}", RegistryResponsesForTests.Bytes(layer), _ct);
        Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);

        // m2 answers for the blob at once (it fetches it while serving, or the replicator brought it already).
        Assert.Equal(layer, await m2.GetByteArrayAsync($"/v2/team/app/blobs/{digest}", _ct));

        // Then m1 dies: m3 is served from a surviving copy (m2's, or its own from the replicator).
        _managers.Fetcher.Down.Add("m1");
        await _apps["m1"].StopAsync(_ct);
        Assert.Equal(layer, await m3.GetByteArrayAsync($"/v2/team/app/blobs/{digest}", _ct));
        Assert.NotNull(await _managers.Blobs["m3"].GetSizeAsync(digest, _ct));
    }

    [Fact]
    public async Task A_manifest_put_to_another_manager_than_the_one_its_blobs_were_pushed_to_is_accepted()
    {
        var config = Encoding.UTF8.GetBytes("{\"architecture\":\"amd64\"}");
        var layer = Encoding.UTF8.GetBytes("layer bytes");
        using var m1 = _apps["m1"].GetTestClient();
        using var m3 = _apps["m3"].GetTestClient();
        await PushBlobsAsync(m1, config, layer);

        var manifest = TestManifests.Bytes(TestManifests.Image(config, layer));
        var put = await m3.PutAsync("/v2/team/app/manifests/v1", RegistryResponsesForTests.Bytes(manifest, "application/vnd.oci.image.manifest.v1+json"), _ct);

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
    }
    [Fact]
    public async Task A_manifest_pushed_to_one_manager_is_a_located_blob_served_by_the_others_and_survives_that_managers_death()
    {
        var config = Encoding.UTF8.GetBytes("{\"architecture\":\"arm64\"}");
        var layer = Encoding.UTF8.GetBytes("another layer");
        using var m1 = _apps["m1"].GetTestClient();
        using var m2 = _apps["m2"].GetTestClient();
        using var m3 = _apps["m3"].GetTestClient();
        await PushBlobsAsync(m1, config, layer);

        var manifest = TestManifests.Bytes(TestManifests.Image(config, layer));
        var digest = Digest.Of(manifest);
        var put = await m1.PutAsync("/v2/team/app/manifests/v1", RegistryResponsesForTests.Bytes(manifest, "application/vnd.oci.image.manifest.v1+json"), _ct);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        // The bytes are m1's blob, located in the store; the manifest's row holds its size, not its bytes.
        Assert.Equal(manifest.Length, await _managers.Blobs["m1"].GetSizeAsync(digest, _ct));
        Assert.Contains(_managers.Locations("m2").All(), l => l.Digest == digest && l.Member == "m1");
        Assert.Equal(manifest.Length, (await new StoreRegistryMetadata(_store).GetManifestAsync(RepositoryName.Parse("team/app"), digest, _ct))?.Size);

        // m2 serves it at once (read through from m1, or brought by the replicator already), by tag and by digest.
        Assert.Equal(manifest, await m2.GetByteArrayAsync("/v2/team/app/manifests/v1", _ct));
        using var head = await m2.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/team/app/manifests/{digest}"), _ct);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(manifest.Length, head.Content.Headers.ContentLength);

        // Then m1 dies: m3 is served from a surviving copy.
        _managers.Fetcher.Down.Add("m1");
        await _apps["m1"].StopAsync(_ct);
        Assert.Equal(manifest, await m3.GetByteArrayAsync($"/v2/team/app/manifests/{digest}", _ct));
    }

    private async Task PushBlobsAsync(HttpClient manager, params byte[][] blobs)
    {
        foreach (var blob in blobs)
        {
            using var pushed = await manager.PostAsync($"/v2/team/app/blobs/uploads/?digest={Digest.Of(blob)}", RegistryResponsesForTests.Bytes(blob), _ct);
            Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
        }
    }
}
