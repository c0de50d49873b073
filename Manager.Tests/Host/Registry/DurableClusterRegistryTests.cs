using System.Net;
using System.Text;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Tests.Host.Membership;
using ClusterKit.Manager.Tests.Registry;
using ClusterKit.Manager.Tests.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Images;

namespace ClusterKit.Manager.Tests.Host.Registry;

/// <summary>
/// Three real ck-manager processes on loopback: an image acknowledged by one manager survives that manager's
/// SIGKILL right after the answer (the put waited for a second copy), and a manager killed in the middle of a blob's
/// upload leaves nothing half-written to serve while the client completes the push on another manager.
/// </summary>
[Collection(RaftClusterCollection.Name)]
public sealed class DurableClusterRegistryTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task An_image_whose_manifest_put_was_answered_survives_the_sigkill_of_that_manager_at_once_and_is_pulled_whole_from_both_others()
    {
        await using var managers = SecureManagers.Create(3);
        await ClusterRegistryTests.ExplainAsync(managers, async () =>
        {
            var init = await managers.FormAsync();
            var admin = SecureManager.AdminCredentials(init);
            var image = RandomImage.Create(seed: 11, 3 << 20, 2 << 20, (1 << 20) + 4321);

            using (var m1 = RegistryHttp.WithCertificate(managers[0].Api, admin))
            {
                foreach (var blob in image.Blobs)
                {
                    await AssertStatusAsync(HttpStatusCode.Created, await m1.SendAsync(HttpMethod.Post, $"/v2/team/durable/blobs/uploads/?digest={Digest.Of(blob)}", blob));
                }

                await AssertStatusAsync(HttpStatusCode.Created, await m1.SendAsync(HttpMethod.Put, "/v2/team/durable/manifests/v1", image.Manifest, MediaTypes.OciManifest));
            }

            // As soon as the put is answered: no time for a background copy that the answer did not wait for.
            managers[0].Kill();

            foreach (var survivor in managers.Managers.Skip(1))
            {
                using var client = RegistryHttp.WithCertificate(survivor.Api, admin);
                Assert.Equal(image.Manifest, await GetServedAsync(client, "/v2/team/durable/manifests/v1"));
                Assert.Equal(image.Manifest, await GetServedAsync(client, $"/v2/team/durable/manifests/{Digest.Of(image.Manifest)}"));
                foreach (var blob in image.Blobs)
                {
                    var digest = Digest.Of(blob);
                    var served = await GetServedAsync(client, $"/v2/team/durable/blobs/{digest}");
                    Assert.Equal(digest, Digest.Of(served));
                    Assert.Equal(blob, served);
                }
            }
        });
    }

    [Fact]
    public async Task A_manager_killed_mid_upload_serves_no_partial_blob_after_its_restart_the_push_completes_on_another_and_the_idle_upload_is_purged()
    {
        await using var managers = SecureManagers.Create(3);
        await ClusterRegistryTests.ExplainAsync(managers, async () =>
        {
            var init = await managers.FormAsync();
            var admin = SecureManager.AdminCredentials(init);
            var image = RandomImage.Create(seed: 12, 6 << 20);
            var layer = image.Blobs[1];
            var layerDigest = Digest.Of(layer);
            const int Sent = 2 << 20;

            using (var m1 = RegistryHttp.WithCertificate(managers[0].Api, admin))
            {
                using var started = await m1.SendAsync(HttpMethod.Post, "/v2/team/midway/blobs/uploads/");
                Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
                using var patched = await m1.PatchChunkAsync(started.Headers.Location!.OriginalString, layer.AsMemory(0, Sent), 0);
                Assert.Equal(HttpStatusCode.Accepted, patched.StatusCode);
                Assert.Equal($"0-{Sent - 1}", string.Join(",", patched.Headers.GetValues("Range")));
            }

            var uploads = Path.Combine(managers[0].DataDirectory, "registry", "uploads");
            var leftover = Assert.Single(Directory.EnumerateDirectories(uploads));
            Assert.Equal(Sent, new FileInfo(Path.Combine(leftover, "data")).Length);
            managers[0].Kill();

            // An upload's state (its bytes so far and its hash) lives on the manager that received it, so no other
            // manager can resume it: the client starts that blob again on the next manager (ADR 0016). The survivors
            // may still be electing a leader: they answer 503 UNAVAILABLE meanwhile, which clients retry.
            using (var m2 = RegistryHttp.WithCertificate(managers[1].Api, admin))
            {
                await AssertStatusAsync(HttpStatusCode.Created, await RetryWhileUnavailableAsync(() => UploadChunkedAsync(m2, "team/midway", layer, chunk: 1 << 20)));
                await AssertStatusAsync(HttpStatusCode.Created, await RetryWhileUnavailableAsync(
                    () => m2.SendAsync(HttpMethod.Post, $"/v2/team/midway/blobs/uploads/?digest={Digest.Of(image.Blobs[0])}", image.Blobs[0])));
                await AssertStatusAsync(HttpStatusCode.Created, await RetryWhileUnavailableAsync(
                    () => m2.SendAsync(HttpMethod.Put, "/v2/team/midway/manifests/v1", image.Manifest, MediaTypes.OciManifest)));
            }

            using (var m3 = RegistryHttp.WithCertificate(managers[2].Api, admin))
            {
                Assert.Equal(image.Manifest, await GetServedAsync(m3, "/v2/team/midway/manifests/v1"));
                Assert.Equal(layer, await GetServedAsync(m3, $"/v2/team/midway/blobs/{layerDigest}"));
            }

            // m1 comes back with its partial upload on disk: the blob it serves is the whole verified one (copied or
            // read through from a peer), never the prefix it had received, and a HEAD tells the whole size.
            managers[0].Start();
            await managers[0].WaitForSocketAsync(Wait);
            using (var m1 = RegistryHttp.WithCertificate(managers[0].Api, admin))
            {
                var served = await GetServedAsync(m1, $"/v2/team/midway/blobs/{layerDigest}");
                Assert.Equal(layer.Length, served.Length);
                Assert.Equal(layer, served);
                using var head = await m1.SendAsync(HttpMethod.Head, $"/v2/team/midway/blobs/{layerDigest}");
                Assert.Equal(HttpStatusCode.OK, head.StatusCode);
                Assert.Equal(layer.Length, head.Content.Headers.ContentLength);
            }

            // The abandoned upload stays until it has been idle for UploadIdleTimeout (24 h): made that old, the next
            // sweep of m1 (here `ck registry gc`'s, on m1) purges it.
            Assert.True(Directory.Exists(leftover));
            File.SetLastWriteTimeUtc(Path.Combine(leftover, "data"), DateTime.UtcNow - TimeSpan.FromHours(25));
            using var channel = SecureManager.TlsChannel(managers[0].Api, admin);
            var collected = await new RegistryMaintenanceService.RegistryMaintenanceServiceClient(channel)
                .CollectGarbageAsync(new CollectGarbageRequest(), deadline: DateTime.UtcNow + Wait);
            Assert.Equal(1, collected.UploadsPurged);
            Assert.False(Directory.Exists(leftover));
        });
    }

    /// <summary>POST, PATCH chunks, PUT with the digest (the chunked upload standard clients make): the first answer that is not a step forward, or the PUT's.</summary>
    private static async Task<HttpResponseMessage> UploadChunkedAsync(RegistryHttp client, string repository, byte[] blob, int chunk)
    {
        var started = await client.SendAsync(HttpMethod.Post, $"/v2/{repository}/blobs/uploads/");
        if (started.StatusCode != HttpStatusCode.Accepted)
        {
            return started;
        }

        var location = started.Headers.Location!.OriginalString;
        started.Dispose();
        for (var offset = 0; offset < blob.Length; offset += chunk)
        {
            var patched = await client.PatchChunkAsync(location, blob.AsMemory(offset, Math.Min(chunk, blob.Length - offset)), offset);
            if (patched.StatusCode != HttpStatusCode.Accepted)
            {
                return patched;
            }

            location = patched.Headers.Location!.OriginalString;
            patched.Dispose();
        }

        var separator = location.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        return await client.SendAsync(HttpMethod.Put, $"{location}{separator}digest={Digest.Of(blob)}");
    }

    /// <summary>Sends again while the answer is 503 (a failover in progress), as clients do, for up to <see cref="Wait"/>.</summary>
    private static async Task<HttpResponseMessage> RetryWhileUnavailableAsync(Func<Task<HttpResponseMessage>> send)
    {
        var until = DateTime.UtcNow + Wait;
        while (true)
        {
            var response = await send();
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || DateTime.UtcNow > until)
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(250);
        }
    }

    private static async Task AssertStatusAsync(HttpStatusCode expected, HttpResponseMessage response)
    {
        using (response)
        {
            Assert.True(response.StatusCode == expected, $"expected {expected}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>
    /// GETs <paramref name="path"/> until it is served (200): right after a kill the survivors may be electing a leader
    /// or fetching the bytes from a peer. Any other answer is retried until <see cref="Wait"/> runs out.
    /// </summary>
    private static async Task<byte[]> GetServedAsync(RegistryHttp client, string path)
    {
        var until = DateTime.UtcNow + Wait;
        while (true)
        {
            string failure;
            try
            {
                using var response = await client.SendAsync(HttpMethod.Get, path);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return await response.Content.ReadAsByteArrayAsync();
                }

                failure = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                failure = e.Message;
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"GET {path} on {client.Api} was not served within {Wait.TotalSeconds} s: {failure}");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>An OCI image of random layers (seeded): its config first among the blobs, then its layers.</summary>
    private sealed record RandomImage(IReadOnlyList<byte[]> Blobs, byte[] Manifest)
    {
        public static RandomImage Create(int seed, params int[] layerSizes)
        {
            var random = new Random(seed);
            var config = Encoding.UTF8.GetBytes($$"""{"architecture":"amd64","os":"linux","seed":{{seed}}}""");
            var layers = layerSizes.Select(size =>
            {
                var layer = new byte[size];
                random.NextBytes(layer);
                return layer;
            }).ToArray();
            return new RandomImage([config, .. layers], TestManifests.Bytes(TestManifests.Image(config, layers)));
        }
    }
}
