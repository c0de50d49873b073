using System.Net;
using System.Text;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Tests.Registry.Http;
using ClusterKit.Shared.Images;
using Microsoft.AspNetCore.TestHost;

namespace ClusterKit.Manager.Tests.Registry.Replication;

/// <summary>
/// A manifest put is answered 201 only once its bytes and every blob it references are on enough managers to survive
/// the loss of one (<see cref="ClusterKit.Manager.Registry.Replication.StoreBlobDurability"/>), over three managers'
/// endpoints in process whose peers can be held (slow copies) or down (no copies).
/// </summary>
public sealed class DurableAcknowledgementTests : IDisposable
{
    private const string ManifestType = MediaTypes.OciManifest;

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(90));

    private CancellationToken _ct => _timeout.Token;

    public void Dispose() => _timeout.Dispose();

    [Fact]
    public async Task A_manifest_put_is_answered_only_once_a_second_manager_holds_its_bytes_and_every_blob()
    {
        await using var cluster = await RegistryEndpointCluster.StartAsync(_ct);
        using var m1 = cluster["m1"].GetTestClient();
        var (config, layer, manifest) = Image("held");
        cluster.Managers.Fetcher.Hold();
        await RegistryEndpointCluster.PushBlobsAsync(m1, _ct, config, layer);

        var put = m1.PutAsync("/v2/team/app/manifests/v1", RegistryResponsesForTests.Bytes(manifest, ManifestType), _ct);

        // The peers cannot finish a copy: the put waits (a short real wait, since nothing can make it answer early).
        await Task.WhenAny(put, Task.Delay(TimeSpan.FromMilliseconds(500), _ct));
        Assert.False(put.IsCompleted, "the put was answered while m1 alone held the blobs");
        Digest[] digests = [Digest.Of(config), Digest.Of(layer), Digest.Of(manifest)];
        Assert.All(digests, d => Assert.Equal(["m1"], Holders(cluster, d)));

        cluster.Managers.Fetcher.Release();
        using var answered = await put.WaitAsync(_ct);

        Assert.Equal(HttpStatusCode.Created, answered.StatusCode);
        Assert.All(digests, d => Assert.True(Holders(cluster, d).Count >= 2, $"{d} is held by {string.Join(",", Holders(cluster, d))} only"));
    }

    [Fact]
    public async Task A_manifest_whose_blobs_no_peer_can_copy_is_refused_503_UNAVAILABLE_after_the_timeout_but_stays_stored_and_is_copied_later()
    {
        await using var cluster = await RegistryEndpointCluster.StartAsync(_ct);
        using var m1 = cluster["m1"].GetTestClient();
        var (config, layer, manifest) = Image("down");
        cluster.Managers.Fetcher.Down.Add("m1");
        await RegistryEndpointCluster.PushBlobsAsync(m1, _ct, config, layer);

        var put = m1.PutAsync("/v2/team/app/manifests/v1", RegistryResponsesForTests.Bytes(manifest, ManifestType), _ct);
        using var refused = await AdvanceUntilAsync(cluster, put);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        var (code, message, detail) = await refused.ErrorAsync();
        Assert.Equal("UNAVAILABLE", code);
        foreach (var digest in new[] { Digest.Of(config), Digest.Of(layer), Digest.Of(manifest) })
        {
            Assert.Contains($"blob {digest} is held by 1 manager, 2 needed", message, StringComparison.Ordinal);
            Assert.Contains($"{{\"digest\":\"{digest}\",\"copies\":1,\"needed\":2}}", detail, StringComparison.Ordinal);
        }

        // The manifest stays stored, and once m1 answers its peers again the replicators copy it.
        Assert.Equal(manifest, await m1.GetByteArrayAsync("/v2/team/app/manifests/v1", _ct));
        cluster.Managers.Fetcher.Down.Remove("m1");
        await AdvanceUntilAsync(cluster, WaitForAsync(() => Holders(cluster, Digest.Of(manifest)).Count == 3));
    }

    [Fact]
    public async Task An_index_put_waits_for_its_own_bytes_while_its_children_are_durable_already()
    {
        await using var cluster = await RegistryEndpointCluster.StartAsync(_ct);
        using var m1 = cluster["m1"].GetTestClient();
        var (config, layer, child) = Image("child");
        await RegistryEndpointCluster.PushBlobsAsync(m1, _ct, config, layer);
        using (var childPut = await m1.PutAsync($"/v2/team/app/manifests/{Digest.Of(child)}", RegistryResponsesForTests.Bytes(child, ManifestType), _ct))
        {
            Assert.Equal(HttpStatusCode.Created, childPut.StatusCode);
        }

        var index = TestManifests.Bytes(TestManifests.Index(child));
        cluster.Managers.Fetcher.Hold();
        var put = m1.PutAsync("/v2/team/app/manifests/multi", RegistryResponsesForTests.Bytes(index, MediaTypes.OciIndex), _ct);

        await Task.WhenAny(put, Task.Delay(TimeSpan.FromMilliseconds(500), _ct));
        Assert.False(put.IsCompleted, "the index was acknowledged while m1 alone held its bytes");
        Assert.True(Holders(cluster, Digest.Of(child)).Count >= 2);
        Assert.Equal(["m1"], Holders(cluster, Digest.Of(index)));

        cluster.Managers.Fetcher.Release();
        using var answered = await put.WaitAsync(_ct);
        Assert.Equal(HttpStatusCode.Created, answered.StatusCode);
        Assert.True(Holders(cluster, Digest.Of(index)).Count >= 2);
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(null, 1)]
    public async Task With_one_copy_wanted_or_one_manager_a_manifest_put_is_answered_at_once(int? copies, int managers)
    {
        string[] members = [.. Enumerable.Range(1, managers).Select(i => $"m{i}")];
        await using var cluster = await RegistryEndpointCluster.StartAsync(_ct, o => o.Copies = copies, members: members);
        using var m1 = cluster["m1"].GetTestClient();
        var (config, layer, manifest) = Image("single");
        cluster.Managers.Fetcher.Hold();
        await RegistryEndpointCluster.PushBlobsAsync(m1, _ct, config, layer);

        using var put = await m1.PutAsync("/v2/team/app/manifests/v1", RegistryResponsesForTests.Bytes(manifest, ManifestType), _ct);

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(["m1"], Holders(cluster, Digest.Of(manifest)));
    }

    private static (byte[] Config, byte[] Layer, byte[] Manifest) Image(string name)
    {
        var config = Encoding.UTF8.GetBytes($"{{\"architecture\":\"amd64\",\"name\":\"{name}\"}}");
        var layer = Encoding.UTF8.GetBytes("layer of " + name);
        return (config, layer, TestManifests.Bytes(TestManifests.Image(config, layer)));
    }

    private static List<string> Holders(RegistryEndpointCluster cluster, Digest digest) =>
        [.. cluster.Managers.Locations("m1").All().Where(l => l.Digest == digest).Select(l => l.Member).Order(StringComparer.Ordinal)];

    /// <summary>Moves the fake clock on (30 s at a time) until <paramref name="task"/> ends: timers created late still fire.</summary>
    private async Task<T> AdvanceUntilAsync<T>(RegistryEndpointCluster cluster, Task<T> task)
    {
        while (!task.IsCompleted)
        {
            _ct.ThrowIfCancellationRequested();
            cluster.Managers.Time.Advance(TimeSpan.FromSeconds(30));
            await Task.WhenAny(task, Task.Delay(TimeSpan.FromMilliseconds(50), _ct));
        }

        return await task;
    }

    /// <summary>Completes when <paramref name="condition"/> holds, checked as the clock moves.</summary>
    private async Task<bool> WaitForAsync(Func<bool> condition)
    {
        while (!condition())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), _ct);
        }

        return true;
    }
}
