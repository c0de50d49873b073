using System.Net;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Tests.Host.Membership;
using ClusterKit.Manager.Tests.Registry.Clients;
using ClusterKit.Manager.Tests.Store.Raft;
using ClusterKit.Shared.Images;
using ClusterKit.TestKit;
using ClusterKit.Worker.Host;
using ClusterKit.Worker.Images;
using ClusterKit.Worker.Images.Distribution;
using ClusterKit.Worker.Images.Store;

namespace ClusterKit.Manager.Tests.Host.Registry;

/// <summary>
/// The worker's image distribution against a real ck-manager's cluster registry: a reference without a registry goes
/// to the managers over HTTPS with the node's certificate, the first manager that answers; a worker only reads.
/// </summary>
[Collection(RaftClusterCollection.Name)]
public sealed class WorkerClusterRegistryTests
{
    [Fact]
    public async Task A_worker_pulls_a_cluster_image_with_its_node_certificate_failing_over_past_an_unreachable_manager_and_pushes_only_with_a_push_token()
    {
        using var work = new TempDirectory("ckt-registry-worker");
        await using var managers = SecureManagers.Create(1);
        await ClusterRegistryTests.ExplainAsync(managers, async () =>
        {
            var init = await managers.FormAsync();
            var api = managers[0].Api;
            var source = work.Combine("source");
            var manifestDigest = OciLayout.Write(source, "v1", "pulled by a worker\n");
            await PushLayoutAsync(api, init, source, manifestDigest, "team/hello", "v1");

            var worker = await RegistryHttp.WorkerCredentialsAsync(managers[0], init);
            using var handler = RegistryHttp.WorkerHandler(worker);
            var unreachable = new IPEndPoint(IPAddress.Loopback, LoopbackPorts.Free()).ToString();
            var cluster = new FixedClusterRegistry(new ClusterRegistryTarget([unreachable, api.ToString()], handler));
            var store = new ImageStore(new ImageStoreOptions { Root = work.Combine("store") }, LinuxSystemCalls.Instance, TimeProvider.System);
            var distribution = new ImageDistribution(store, new RegistryConnector(new SocketsHttpHandler(), cluster: cluster));

            Assert.Equal(manifestDigest.ToString(), await distribution.ResolveDigestAsync("team/hello:v1"));
            var pulled = await distribution.PullAsync("team/hello:v1");
            Assert.Equal(manifestDigest.ToString(), pulled.Digest);
            Assert.Contains("team/hello:v1", pulled.Image.References);
            Assert.Equal(manifestDigest.ToString(), (await distribution.EnsureImageAsync($"team/hello@{manifestDigest}")).ManifestDigest);

            var push = await Assert.ThrowsAsync<RegistryException>(() => distribution.PushAsync("team/hello:v1", "team/copy:v1"));
            Assert.Contains("DENIED", push.Message, StringComparison.Ordinal);

            // With the push token ck gets for it (admin only), the worker pushes to that repository and no other.
            var token = await RegistryHttp.IssueTokenAsync(api, init, "repository:team/copy:pull,push");
            var copied = await distribution.PushAsync("team/hello:v1", "team/copy:v1", clusterToken: token);
            Assert.Equal(manifestDigest.ToString(), copied.ManifestDigest);
            var elsewhere = await Assert.ThrowsAsync<RegistryException>(() => distribution.PushAsync("team/hello:v1", "team/other:v1", clusterToken: token));
            Assert.Contains("UNAUTHORIZED", elsewhere.Message, StringComparison.Ordinal);

            var alone = new ImageDistribution(store, new RegistryConnector(new SocketsHttpHandler()));
            var refused = await Assert.ThrowsAsync<ImageStoreException>(() => alone.PullAsync("busybox"));
            Assert.Contains("joined no cluster", refused.Message, StringComparison.Ordinal);
            var nobody = new ImageDistribution(store, new RegistryConnector(new SocketsHttpHandler(), cluster: new FixedClusterRegistry(new ClusterRegistryTarget([unreachable], handler))));
            var down = await Assert.ThrowsAsync<ImageStoreException>(() => nobody.PullAsync("team/hello:v1"));
            Assert.Contains("the cluster registry is not reachable", down.Message, StringComparison.Ordinal);
        });
    }

    /// <summary>Pushes an OCI layout's blobs and manifest with the admin certificate.</summary>
    private static async Task PushLayoutAsync(IPEndPoint api, Proto.Manager.V1.InitResponse init, string layout, Digest manifestDigest, string repository, string tag)
    {
        using var admin = RegistryHttp.WithCertificate(api, SecureManager.AdminCredentials(init));
        foreach (var file in Directory.EnumerateFiles(Path.Combine(layout, "blobs", "sha256")).Where(f => Path.GetFileName(f) != manifestDigest.Encoded))
        {
            using var upload = await admin.SendAsync(HttpMethod.Post, $"/v2/{repository}/blobs/uploads/?digest=sha256:{Path.GetFileName(file)}", await File.ReadAllBytesAsync(file));
            Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        }

        var manifest = await File.ReadAllBytesAsync(Path.Combine(layout, "blobs", "sha256", manifestDigest.Encoded));
        using var put = await admin.SendAsync(HttpMethod.Put, $"/v2/{repository}/manifests/{tag}", manifest, MediaTypes.OciManifest);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
    }
}
