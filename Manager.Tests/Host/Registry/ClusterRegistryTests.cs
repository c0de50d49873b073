using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ClusterKit.Manager.Host.Membership;
using ClusterKit.Manager.Host.Registry;
using ClusterKit.Manager.Registry.Auth;
using ClusterKit.Manager.Tests.Host.Membership;
using ClusterKit.Manager.Tests.Registry;
using ClusterKit.Manager.Tests.Registry.Clients;
using ClusterKit.TestKit;
using ClusterKit.Manager.Tests.Store.Raft;
using ClusterKit.Proto.Manager.V1;
using Grpc.Core;

namespace ClusterKit.Manager.Tests.Host.Registry;

/// <summary>
/// The cluster registry served by a real ck-manager on its TLS API port over HTTP/1.1 (as standard clients speak it)
/// beside gRPC: who may read, push and delete by cluster certificate, the Bearer challenge, and the token flow with a
/// credential issued through the control API.
/// </summary>
[Collection(RaftClusterCollection.Name)]
public sealed class ClusterRegistryTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Admin_certificates_push_worker_certificates_pull_but_are_denied_pushes_and_no_certificate_gets_the_bearer_challenge()
    {
        await using var managers = SecureManagers.Create(1);
        await ExplainAsync(managers, async () =>
        {
            var init = await managers.FormAsync();
            var api = managers[0].Api;
            using var admin = RegistryHttp.WithCertificate(api, SecureManager.AdminCredentials(init));
            using var worker = RegistryHttp.WithCertificate(api, await RegistryHttp.WorkerCredentialsAsync(managers[0], init));
            using var anonymous = RegistryHttp.Anonymous(api, init);

            using var pushed = await admin.PushImageAsync("team/app", "v1", "admin");
            Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
            Assert.Equal(HttpVersion.Version11, pushed.Version);

            using var pulled = await worker.SendAsync(HttpMethod.Get, "/v2/team/app/manifests/v1");
            Assert.Equal(HttpStatusCode.OK, pulled.StatusCode);
            Assert.Equal(RegistryHttp.Image("admin").Manifest, await pulled.Content.ReadAsByteArrayAsync());

            using var workerPush = await worker.PushImageAsync("team/app", "v2", "worker");
            Assert.Equal(HttpStatusCode.Forbidden, workerPush.StatusCode);
            Assert.Contains("\"DENIED\"", await workerPush.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            using var workerDelete = await worker.SendAsync(HttpMethod.Delete, "/v2/team/app/manifests/v1");
            Assert.Equal(HttpStatusCode.Forbidden, workerDelete.StatusCode);

            using var ping = await anonymous.SendAsync(HttpMethod.Get, "/v2/");
            Assert.Equal(HttpStatusCode.Unauthorized, ping.StatusCode);
            Assert.Equal($"Bearer realm=\"https://{api}/v2/token\",service=\"clusterkit\"", ping.Headers.WwwAuthenticate.ToString());
            using var anonymousPull = await anonymous.SendAsync(HttpMethod.Get, "/v2/team/app/manifests/v1");
            Assert.Equal(HttpStatusCode.Unauthorized, anonymousPull.StatusCode);
            Assert.Equal($"Bearer realm=\"https://{api}/v2/token\",service=\"clusterkit\",scope=\"repository:team/app:pull\"", anonymousPull.Headers.WwwAuthenticate.ToString());
            Assert.Contains("\"UNAUTHORIZED\"", await anonymousPull.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            using var anonymousPush = await anonymous.PushImageAsync("team/app", "v3", "anonymous");
            Assert.Equal(HttpStatusCode.Unauthorized, anonymousPush.StatusCode);
            Assert.Contains("scope=\"repository:team/app:pull,push\"", anonymousPush.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

            // Blobs live under the data directory, root-only like the rest of it.
            var blobs = Path.Combine(managers[0].DataDirectory, "registry", "blobs");
            Assert.True(Directory.Exists(blobs));
            Assert.All(Directory.EnumerateDirectories(blobs, "*", SearchOption.AllDirectories), d => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(d)));
            Assert.All(Directory.EnumerateFiles(blobs, "*", SearchOption.AllDirectories), f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));
        });
    }

    [Fact]
    public async Task A_credential_from_ck_logs_in_for_tokens_scoped_to_what_it_may_do_and_revoked_expired_or_forged_tokens_are_refused()
    {
        await using var managers = SecureManagers.Create(1);
        await ExplainAsync(managers, async () =>
        {
            var init = await managers.FormAsync();
            var api = managers[0].Api;
            using var channel = SecureManager.TlsChannel(api, SecureManager.AdminCredentials(init));
            var access = new RegistryAccessService.RegistryAccessServiceClient(channel);
            var pusher = await access.CreateCredentialAsync(new CreateRegistryCredentialRequest { Name = "ci-bot", Push = true });
            var reader = await access.CreateCredentialAsync(new CreateRegistryCredentialRequest { Name = "reader" });
            var duplicate = await Assert.ThrowsAsync<RpcException>(() => access.CreateCredentialAsync(new CreateRegistryCredentialRequest { Name = "reader" }).ResponseAsync);
            Assert.Equal(StatusCode.Aborted, duplicate.StatusCode);
            var badName = await Assert.ThrowsAsync<RpcException>(() => access.CreateCredentialAsync(new CreateRegistryCredentialRequest { Name = "../Root" }).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, badName.StatusCode);
            Assert.Equal(["ci-bot", "reader"], (await access.ListCredentialsAsync(new ListRegistryCredentialsRequest())).Credentials.Select(c => c.Name));

            // Only a hash is in the store.
            var stored = await managers[0].LocalStore.GetAsync(new GetRequest { Table = Table.RegistryCredentials, Id = "ci-bot" });
            Assert.DoesNotContain(pusher.Secret, stored.Object.ToString(), StringComparison.Ordinal);

            using var client = RegistryHttp.Anonymous(api, init);
            using var login = await client.LoginAsync("ci-bot", pusher.Secret, "repository:team/app:pull,push");
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            using var body = JsonDocument.Parse(await login.Content.ReadAsStringAsync());
            var token = body.RootElement.GetProperty("token").GetString()!;
            Assert.Equal(token, body.RootElement.GetProperty("access_token").GetString());
            Assert.Equal(300, body.RootElement.GetProperty("expires_in").GetInt32());
            Assert.True(DateTimeOffset.TryParse(body.RootElement.GetProperty("issued_at").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));

            client.Token = token;
            using (var pushed = await client.PushImageAsync("team/app", "v1", "token"))
            {
                Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
            }

            // The token is for team/app only.
            using (var elsewhere = await client.PushImageAsync("team/other", "v1", "token"))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, elsewhere.StatusCode);
                Assert.Contains("error=\"insufficient_scope\"", elsewhere.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            }

            // A read-only credential asking for push gets pull only: it pulls, its push is refused.
            using var readerLogin = await client.LoginAsync("reader", reader.Secret, "repository:team/app:pull,push");
            using (var readerBody = JsonDocument.Parse(await readerLogin.Content.ReadAsStringAsync()))
            {
                client.Token = readerBody.RootElement.GetProperty("token").GetString();
            }

            using (var readerPull = await client.SendAsync(HttpMethod.Get, "/v2/team/app/manifests/v1"))
            {
                Assert.Equal(HttpStatusCode.OK, readerPull.StatusCode);
            }

            using (var readerPush = await client.PushImageAsync("team/app", "v2", "reader"))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, readerPush.StatusCode);
            }

            // Wrong secret, unknown user, malformed scope.
            using (var wrong = await client.LoginAsync("ci-bot", reader.Secret, "repository:team/app:pull"))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            }

            using (var unknown = await client.LoginAsync("nobody", "x", "repository:team/app:pull"))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
            }

            using (var malformed = await client.LoginAsync("ci-bot", pusher.Secret, "repository:Team:pull"))
            {
                Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
                Assert.Contains("invalid scope", await malformed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            // Revoked: no more logins.
            await access.RevokeCredentialAsync(new RevokeRegistryCredentialRequest { Name = "ci-bot" });
            using (var revoked = await client.LoginAsync("ci-bot", pusher.Secret, "repository:team/app:pull"))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
            }

            // A token signed with the cluster's own key but expired, and one signed with another key, are refused.
            var keyring = new DataKeyring(managers[0].DataDirectory);
            keyring.Load();
            var signer = new RegistryTokenKeys(keyring).Current!;
            RegistryScope[] scopes = [RegistryScope.Parse("repository:team/app:pull")];
            var past = DateTimeOffset.UtcNow.AddHours(-1);
            client.Token = signer.Sign(new RegistryToken("ci-bot", scopes, past, past + RegistryToken.DefaultLifetime));
            using (var expired = await client.SendAsync(HttpMethod.Get, "/v2/team/app/manifests/v1"))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
                Assert.Contains("expired", await expired.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                Assert.Contains("error=\"invalid_token\"", expired.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            }

            client.Token = new RegistryTokenSigner(new byte[32]).Sign(new RegistryToken("ci-bot", scopes, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(5)));
            using (var forged = await client.SendAsync(HttpMethod.Get, "/v2/team/app/manifests/v1"))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
                Assert.Contains("signature does not verify", await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            // ck's push token for a worker: from the control API, scoped to one repository.
            var issued = await access.IssueTokenAsync(new IssueRegistryTokenRequest { Scopes = { "repository:team/pushed:pull,push" } });
            client.Token = issued.Token;
            using (var workerPush = await client.PushImageAsync("team/pushed", "v1", "ck"))
            {
                Assert.Equal(HttpStatusCode.Created, workerPush.StatusCode);
            }
        });
    }

    [Fact]
    public async Task Ck_registry_credential_create_ls_and_rm_issue_list_and_revoke_a_login()
    {
        await using var managers = SecureManagers.Create(1);
        await ExplainAsync(managers, async () =>
        {
            var init = await managers.FormAsync();
            var socket = managers[0].SocketPath;
            var created = await CkAsync("registry", "credential", "create", "ci", "--push", "--manager-socket", socket);
            var secret = created.Split('\n').Select(l => l.Trim()).Single(l => l.Length == 43);
            Assert.Contains("Registry credential ci (pull, push, delete)", created, StringComparison.Ordinal);

            using var client = RegistryHttp.Anonymous(managers[0].Api, init);
            using (var login = await client.LoginAsync("ci", secret, "repository:team/app:pull,push"))
            {
                Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            }

            var listed = await CkAsync("registry", "credential", "ls", "--manager-socket", socket);
            Assert.Contains("pull, push, delete", listed, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);

            await CkAsync("registry", "credential", "rm", "ci", "--manager-socket", socket);
            using (var revoked = await client.LoginAsync("ci", secret, "repository:team/app:pull"))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
            }

            var (exit, output) = await CkProcess.RunAsync(Wait, "registry", "credential", "rm", "ci", "--manager-socket", socket);
            Assert.NotEqual(0, exit);
            Assert.Contains("there is no registry credential 'ci'", output, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Skopeo_copies_an_image_into_the_cluster_registry_and_back_with_a_ck_credential_and_the_cluster_CA()
    {
        Skopeo.RequireInstalled();
        using var work = new TempDirectory("ckt-registry-skopeo");
        await using var managers = SecureManagers.Create(1);
        await ExplainAsync(managers, async () =>
        {
            var init = await managers.FormAsync();
            using var channel = SecureManager.TlsChannel(managers[0].Api, SecureManager.AdminCredentials(init));
            var access = new RegistryAccessService.RegistryAccessServiceClient(channel);
            var pusher = await access.CreateCredentialAsync(new CreateRegistryCredentialRequest { Name = "skopeo-ci", Push = true });
            var reader = await access.CreateCredentialAsync(new CreateRegistryCredentialRequest { Name = "skopeo-reader" });

            // skopeo trusts the cluster's root and checks the manager's name against its certificate: no --tls-verify=false.
            var certs = work.Combine("certs");
            Directory.CreateDirectory(certs);
            await File.WriteAllTextAsync(Path.Combine(certs, "ca.crt"), string.Join('\n', init.RootCertificatesPem));
            var source = work.Combine("source");
            var manifestDigest = OciLayout.Write(source, "v1", "hello from the cluster registry over TLS\n");
            var remote = $"docker://{managers[0].Api}/team/hello:v1";

            await Skopeo.RunAsync(work, "copy", "--dest-creds", $"{pusher.Name}:{pusher.Secret}", "--dest-cert-dir", certs, $"oci:{source}:v1", remote);
            var inspect = await Skopeo.RunAsync(work, "inspect", "--raw", "--creds", $"{reader.Name}:{reader.Secret}", "--cert-dir", certs, remote);
            await Skopeo.RunAsync(work, "copy", "--src-creds", $"{reader.Name}:{reader.Secret}", "--src-cert-dir", certs, remote, $"oci:{work.Combine("copy")}:v1");

            Assert.Equal(manifestDigest, ClusterKit.Manager.Registry.Names.Digest.Of(System.Text.Encoding.UTF8.GetBytes(inspect.Output)));
            foreach (var blob in Directory.EnumerateFiles(Path.Combine(source, "blobs", "sha256")))
            {
                Assert.Equal(await File.ReadAllBytesAsync(blob), await File.ReadAllBytesAsync(work.Combine("copy", "blobs", "sha256", Path.GetFileName(blob))));
            }

            // The read-only credential cannot push, and skopeo says it was not authorized.
            var refused = await Assert.ThrowsAsync<Xunit.Sdk.XunitException>(() => Skopeo.RunAsync(
                work, "copy", "--dest-creds", $"{reader.Name}:{reader.Secret}", "--dest-cert-dir", certs, $"oci:{source}:v1", $"docker://{managers[0].Api}/team/hello:v2"));
            Assert.Contains("unauthorized", refused.Message, StringComparison.OrdinalIgnoreCase);
        });
    }

    [Fact]
    public async Task A_manifest_of_3_9_MiB_pushed_to_a_follower_commits_through_the_leader()
    {
        // With the default election timeout (150-300 ms). A manifest's bytes are a blob on the follower's disk and
        // only its metadata goes through Raft; when they made one ~4 MiB log entry, replicating it over TLS on a
        // loaded 2-core host outlasted the election window and every try failed (docs/security.md). The other
        // manager serves the bytes read through from the follower (or from its own replicated copy).
        await using var managers = SecureManagers.Create(3);

        await ExplainAsync(managers, async () =>
        {
            var init = await managers.FormAsync();
            using var channel = SecureManager.TlsChannel(managers[0].Api, SecureManager.AdminCredentials(init));
            var nodes = await WaitForLeaderAsync(new NodeService.NodeServiceClient(channel));
            var followerNode = nodes.Nodes.First(n => n.Reachability == ManagerReachability.Reachable);
            var follower = managers.Managers.First(m => m.Api.ToString() == followerNode.Node.ApiAddress);
            var other = managers.Managers.First(m => m != follower);

            using var admin = RegistryHttp.WithCertificate(follower.Api, SecureManager.AdminCredentials(init));
            var (layer, config, _) = RegistryHttp.Image("big");
            foreach (var blob in new[] { layer, config })
            {
                using var upload = await admin.SendAsync(HttpMethod.Post, $"/v2/team/big/blobs/uploads/?digest={ClusterKit.Manager.Registry.Names.Digest.Of(blob)}", blob);
                Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
            }

            var manifest = TestManifests.Image(config, layer);
            manifest["annotations"] = new System.Text.Json.Nodes.JsonObject { ["padding"] = new string('x', (int)(3.9 * 1024 * 1024)) };
            var bytes = TestManifests.Bytes(manifest);
            Assert.True(bytes.Length > 4_000_000 && bytes.Length < ClusterKit.Manager.Registry.Manifests.ManifestParser.MaxBytes);
            using var put = await admin.SendAsync(HttpMethod.Put, "/v2/team/big/manifests/v1", bytes, ClusterKit.Shared.Images.MediaTypes.OciManifest);
            Assert.True(put.StatusCode == HttpStatusCode.Created, await put.Content.ReadAsStringAsync());

            using var elsewhere = RegistryHttp.WithCertificate(other.Api, SecureManager.AdminCredentials(init));
            using var got = await elsewhere.SendAsync(HttpMethod.Get, "/v2/team/big/manifests/v1");
            Assert.Equal(HttpStatusCode.OK, got.StatusCode);
            Assert.Equal(bytes, await got.Content.ReadAsByteArrayAsync());
        });
    }

    private static async Task<string> CkAsync(params string[] arguments)
    {
        var (exit, output) = await CkProcess.RunAsync(Wait, arguments);
        return exit == 0 ? output : throw new Xunit.Sdk.XunitException($"`ck {string.Join(' ', arguments)}` exited {exit}:\n{output}");
    }

    private static async Task<ListNodesResponse> WaitForLeaderAsync(NodeService.NodeServiceClient nodes)
    {
        var until = DateTime.UtcNow + Wait;
        while (true)
        {
            var list = await nodes.ListAsync(new ListNodesRequest());
            if (list.HasQuorum && list.Nodes.Count(n => n.Reachability is ManagerReachability.Leader or ManagerReachability.Reachable) == 3)
            {
                return list;
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException("three managers did not become reachable");
            }

            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Failed_logins_from_one_address_are_held_back_with_429_and_retry_after_while_successes_do_not_count()
    {
        await using var managers = SecureManagers.Create(1);
        await ExplainAsync(managers, async () =>
        {
            var init = await managers.FormAsync();
            var api = managers[0].Api;
            using var channel = SecureManager.TlsChannel(api, SecureManager.AdminCredentials(init));
            var access = new RegistryAccessService.RegistryAccessServiceClient(channel);
            var reader = await access.CreateCredentialAsync(new CreateRegistryCredentialRequest { Name = "reader" });
            using var client = RegistryHttp.Anonymous(api, init);

            // Successes and anonymous tries are not counted: after them, the whole burst of failures is still there.
            for (var i = 0; i < 3; i++)
            {
                using var ok = await client.LoginAsync("reader", reader.Secret, "repository:team/app:pull");
                Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
                using var anonymous = await client.SendAsync(HttpMethod.Get, "/v2/token?service=clusterkit");
                Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            }

            // Failures until the first 429: the burst of 10, plus at most one per 6 s that the failures themselves took
            // (each costs a password hash, slow on a loaded machine).
            var clock = Stopwatch.StartNew();
            var failures = 0;
            HttpResponseMessage held;
            while (true)
            {
                held = await client.LoginAsync(failures % 2 == 0 ? "reader" : "nobody", "wrong-secret", "repository:team/app:pull");
                if (held.StatusCode != HttpStatusCode.Unauthorized || failures == 40)
                {
                    break;
                }

                held.Dispose();
                failures++;
            }

            using (held)
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, held.StatusCode);
                Assert.InRange(failures, 10, 10 + (int)(clock.Elapsed / TimeSpan.FromSeconds(6)) + 1);
                var retryAfter = held.Headers.RetryAfter?.Delta ?? TimeSpan.Zero;
                Assert.InRange(retryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(6));
                Assert.Equal("application/json", held.Content.Headers.ContentType?.MediaType);
                using var error = JsonDocument.Parse(await held.Content.ReadAsStringAsync());
                Assert.Equal("TOOMANYREQUESTS", error.RootElement.GetProperty("errors")[0].GetProperty("code").GetString());

                // Even the right secret is held back while the wait lasts (it is not checked at all).
                var since = Stopwatch.StartNew();
                using var right = await client.LoginAsync("reader", reader.Secret, "repository:team/app:pull");
                if (since.Elapsed < retryAfter - TimeSpan.FromSeconds(1))
                {
                    Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
                }

                // Once the wait is over the right secret logs in again.
                await Task.Delay(retryAfter + TimeSpan.FromSeconds(0.5));
            }

            using var again = await client.LoginAsync("reader", reader.Secret, "repository:team/app:pull");
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        });
    }

    internal static async Task ExplainAsync(SecureManagers managers, Func<Task> body)
    {
        try
        {
            await body();
        }
        catch (Exception e) when (e is RpcException or Xunit.Sdk.XunitException or TimeoutException or HttpRequestException)
        {
            throw new InvalidOperationException($"{e.Message}\n{managers.Describe()}", e);
        }
    }
}
