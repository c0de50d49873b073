using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Text;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Tests.Host.Membership;
using ClusterKit.Manager.Tests.Registry;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Identity;
using ClusterKit.Shared.Images;
using IdentityRole = ClusterKit.Shared.Identity.NodeRole;

namespace ClusterKit.Manager.Tests.Host.Registry;

/// <summary>
/// A registry client over HTTP/1.1 and TLS to a real ck-manager's API port, as skopeo and dockerd speak it: with a
/// cluster certificate, or with none (trusting the cluster's root), optionally with a bearer token.
/// </summary>
internal sealed class RegistryHttp : IDisposable
{
    private readonly HttpClient _client;

    private RegistryHttp(IPEndPoint api, SslClientAuthenticationOptions tls)
    {
        Api = api;
        _client = new HttpClient(new SocketsHttpHandler { SslOptions = tls })
        {
            BaseAddress = new Uri("https://" + api),
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public IPEndPoint Api { get; }

    public string? Token { get; set; }

    public static RegistryHttp WithCertificate(IPEndPoint api, NodeCredentials credentials)
    {
        var validator = new PeerCertificateValidator(credentials.Identity.ClusterId, () => credentials.Trust, TimeProvider.System);
        return new RegistryHttp(api, new TlsOptionsFactory(new NodeCredentialsHolder(credentials), validator).CreateClientOptions([IdentityRole.Manager]));
    }

    public static RegistryHttp Anonymous(IPEndPoint api, InitResponse init)
    {
        var trust = SecureManager.AdminCredentials(init).Trust;
        return new RegistryHttp(api, TlsOptionsFactory.CreateJoinClientOptions(trust.Roots[0], init.ClusterId, TimeProvider.System));
    }

    /// <summary>A worker certificate issued with the worker token (for a worker that never starts).</summary>
    public static async Task<NodeCredentials> WorkerCredentialsAsync(SecureManager manager, InitResponse init)
    {
        var trust = SecureManager.AdminCredentials(init).Trust;
        using var anonymous = SecureManager.AnonymousChannel(manager.Api, trust, init.ClusterId);
        using var key = NodeKey.Create();
        var issued = await new NodeCa.NodeCaClient(anonymous).IssueNodeCertificateAsync(
            new IssueNodeCertificateRequest { Token = init.WorkerToken, CsrPem = NodeKey.CreateSigningRequestPem(key), Hostname = "ckt-registry-worker" },
            deadline: DateTime.UtcNow.AddSeconds(60));
        return new NodeCredentials(NodeKey.WithCertificate(key, issued.CertificatePem), trust);
    }

    /// <summary>The HTTPS handler a worker's image distribution reaches the cluster registry with: its node certificate, managers only.</summary>
    public static SocketsHttpHandler WorkerHandler(NodeCredentials worker)
    {
        var validator = new PeerCertificateValidator(worker.Identity.ClusterId, () => worker.Trust, TimeProvider.System);
        return new TlsOptionsFactory(new NodeCredentialsHolder(worker), validator).CreateHttpHandler([IdentityRole.Manager]);
    }

    /// <summary>A registry bearer token for <paramref name="scope"/>, issued to the admin (what `ck` gets for a worker's push).</summary>
    public static async Task<string> IssueTokenAsync(IPEndPoint api, InitResponse init, string scope)
    {
        using var channel = SecureManager.TlsChannel(api, SecureManager.AdminCredentials(init));
        var issued = await new RegistryAccessService.RegistryAccessServiceClient(channel).IssueTokenAsync(
            new IssueRegistryTokenRequest { Scopes = { scope } }, deadline: DateTime.UtcNow.AddSeconds(60));
        return issued.Token;
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, byte[]? body = null, string? contentType = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType ?? "application/octet-stream");
        }

        if (Token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        }

        return _client.SendAsync(request);
    }

    /// <summary>PATCH of one chunk of a chunked upload at <paramref name="location"/> (the upload's URL), starting at <paramref name="offset"/>.</summary>
    public Task<HttpResponseMessage> PatchChunkAsync(string location, ReadOnlyMemory<byte> chunk, long offset)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new ReadOnlyMemoryContent(chunk) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/octet-stream");
        request.Content.Headers.TryAddWithoutValidation("Content-Range", $"{offset}-{offset + chunk.Length - 1}");
        return _client.SendAsync(request);
    }

    /// <summary>GET /v2/token with Basic credentials and these scopes.</summary>
    public Task<HttpResponseMessage> LoginAsync(string user, string secret, params string[] scopes)
    {
        var query = string.Join('&', scopes.Select(s => "scope=" + Uri.EscapeDataString(s)).Prepend("service=clusterkit").Append("offline_token=true").Append("account=" + user));
        var request = new HttpRequestMessage(HttpMethod.Get, "/v2/token?" + query);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + secret)));
        return _client.SendAsync(request);
    }

    /// <summary>Pushes a one-layer image (monolithic blob uploads, then the manifest); the manifest PUT's response.</summary>
    public async Task<HttpResponseMessage> PushImageAsync(string repository, string tag, string content)
    {
        var (layer, config, manifest) = Image(content);
        foreach (var blob in new[] { layer, config })
        {
            using var upload = await SendAsync(HttpMethod.Post, $"/v2/{repository}/blobs/uploads/?digest={Digest.Of(blob)}", blob);
            if (upload.StatusCode != HttpStatusCode.Created)
            {
                return await Copy(upload);
            }
        }

        return await SendAsync(HttpMethod.Put, $"/v2/{repository}/manifests/{tag}", manifest, MediaTypes.OciManifest);
    }

    public static (byte[] Layer, byte[] Config, byte[] Manifest) Image(string content)
    {
        var layer = Encoding.UTF8.GetBytes("layer " + content);
        var config = Encoding.UTF8.GetBytes("""{"architecture":"amd64","os":"linux"}""" + new string(' ', content.Length % 7));
        return (layer, config, TestManifests.Bytes(TestManifests.Image(config, layer)));
    }

    public void Dispose() => _client.Dispose();

    private static async Task<HttpResponseMessage> Copy(HttpResponseMessage response)
    {
        var copy = new HttpResponseMessage(response.StatusCode) { Content = new ByteArrayContent(await response.Content.ReadAsByteArrayAsync()), Version = response.Version };
        foreach (var header in response.Headers)
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        return copy;
    }
}
