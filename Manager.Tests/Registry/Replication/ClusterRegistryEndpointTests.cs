using System.Net;
using System.Text;
using ClusterKit.Manager.Registry.Metadata;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Store;
using ClusterKit.Manager.Tests.Registry.Http;
using Microsoft.AspNetCore.TestHost;

namespace ClusterKit.Manager.Tests.Registry.Replication;

/// <summary>Three managers' registry endpoints in process (<see cref="RegistryEndpointCluster"/>): blobs and manifests across them.</summary>
public sealed class ClusterRegistryEndpointTests : IAsyncLifetime, IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private RegistryEndpointCluster? _cluster;

    private CancellationToken _ct => _timeout.Token;

    private RegistryEndpointCluster Cluster => _cluster ?? throw new InvalidOperationException("not started");

    private RegistryManagers Managers => Cluster.Managers;

    private IStore Store => Cluster.Store;

    public async Task InitializeAsync() => _cluster = await RegistryEndpointCluster.StartAsync(_ct);

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    public void Dispose() => _timeout.Dispose();

    [Fact]
    public async Task A_blob_pushed_to_one_manager_is_served_by_the_others_and_survives_that_managers_death()
    {
        var layer = Encoding.UTF8.GetBytes("a layer pushed to m1 only");
        var digest = Digest.Of(layer);
        using var m1 = Cluster["m1"].GetTestClient();
        using var m2 = Cluster["m2"].GetTestClient();
        using var m3 = Cluster["m3"].GetTestClient();

        var pushed = await m1.PostAsync($"/v2/team/app/blobs/uploads/?digest={digest}", RegistryResponsesForTests.Bytes(layer), _ct);
        Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);

        // m2 answers for the blob at once (it fetches it while serving, or the replicator brought it already).
        Assert.Equal(layer, await m2.GetByteArrayAsync($"/v2/team/app/blobs/{digest}", _ct));

        // Then m1 dies: m3 is served from a surviving copy (m2's, or its own from the replicator).
        Managers.Fetcher.Down.Add("m1");
        await Cluster["m1"].StopAsync(_ct);
        Assert.Equal(layer, await m3.GetByteArrayAsync($"/v2/team/app/blobs/{digest}", _ct));
        Assert.NotNull(await Managers.Blobs["m3"].GetSizeAsync(digest, _ct));
    }

    [Fact]
    public async Task A_manifest_put_to_another_manager_than_the_one_its_blobs_were_pushed_to_is_accepted()
    {
        var config = Encoding.UTF8.GetBytes("{\"architecture\":\"amd64\"}");
        var layer = Encoding.UTF8.GetBytes("layer bytes");
        using var m1 = Cluster["m1"].GetTestClient();
        using var m3 = Cluster["m3"].GetTestClient();
        await RegistryEndpointCluster.PushBlobsAsync(m1, _ct, config, layer);

        var manifest = TestManifests.Bytes(TestManifests.Image(config, layer));
        var put = await m3.PutAsync("/v2/team/app/manifests/v1", RegistryResponsesForTests.Bytes(manifest, "application/vnd.oci.image.manifest.v1+json"), _ct);

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
    }

    [Fact]
    public async Task A_manifest_pushed_to_one_manager_is_a_located_blob_served_by_the_others_and_survives_that_managers_death()
    {
        var config = Encoding.UTF8.GetBytes("{\"architecture\":\"arm64\"}");
        var layer = Encoding.UTF8.GetBytes("another layer");
        using var m1 = Cluster["m1"].GetTestClient();
        using var m2 = Cluster["m2"].GetTestClient();
        using var m3 = Cluster["m3"].GetTestClient();
        await RegistryEndpointCluster.PushBlobsAsync(m1, _ct, config, layer);

        var manifest = TestManifests.Bytes(TestManifests.Image(config, layer));
        var digest = Digest.Of(manifest);
        var put = await m1.PutAsync("/v2/team/app/manifests/v1", RegistryResponsesForTests.Bytes(manifest, "application/vnd.oci.image.manifest.v1+json"), _ct);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        // The bytes are m1's blob, located in the store; the manifest's row holds its size, not its bytes.
        Assert.Equal(manifest.Length, await Managers.Blobs["m1"].GetSizeAsync(digest, _ct));
        Assert.Contains(Managers.Locations("m2").All(), l => l.Digest == digest && l.Member == "m1");
        Assert.Equal(manifest.Length, (await new StoreRegistryMetadata(Store).GetManifestAsync(RepositoryName.Parse("team/app"), digest, _ct))?.Size);

        // m2 serves it at once (read through from m1, or brought by the replicator already), by tag and by digest.
        Assert.Equal(manifest, await m2.GetByteArrayAsync("/v2/team/app/manifests/v1", _ct));
        using var head = await m2.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/team/app/manifests/{digest}"), _ct);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(manifest.Length, head.Content.Headers.ContentLength);

        // Then m1 dies: m3 is served from a surviving copy.
        Managers.Fetcher.Down.Add("m1");
        await Cluster["m1"].StopAsync(_ct);
        Assert.Equal(manifest, await m3.GetByteArrayAsync($"/v2/team/app/manifests/{digest}", _ct));
    }
}
