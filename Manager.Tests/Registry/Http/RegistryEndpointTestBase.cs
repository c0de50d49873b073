using System.Net;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.TestKit;

namespace ClusterKit.Manager.Tests.Registry.Http;

/// <summary>A registry per test over its own data directory (removed after), and helpers that push through the API.</summary>
public abstract class RegistryEndpointTestBase : IAsyncLifetime
{
    private RegistryTestServer? _server;

    protected TempDirectory Data { get; } = new("ck-registry-http");

    internal RegistryTestServer Server => _server ?? throw new InvalidOperationException("the server has not started");

    protected HttpClient Client => Server.Client;

    public async Task InitializeAsync() => _server = await RegistryTestServer.StartAsync(Data.Path);

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
            Data.Dispose();
        }
    }

    /// <summary>Stops this test's registry and starts another over the same data directory, as a manager restart would.</summary>
    protected async Task RestartAsync()
    {
        await Server.DisposeAsync();
        _server = null;
        _server = await RegistryTestServer.StartAsync(Data.Path);
    }

    protected async Task<Digest> PushBlobAsync(string repository, byte[] content)
    {
        var digest = Digest.Of(content);
        using var response = await Client.PostAsync($"/v2/{repository}/blobs/uploads/?digest={digest}", RegistryResponsesForTests.Bytes(content));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return digest;
    }

    protected async Task<string> StartUploadAsync(string repository)
    {
        using var response = await Client.PostAsync($"/v2/{repository}/blobs/uploads/", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return response.Headers.Location!.OriginalString;
    }
}
