using System.Net.Http.Headers;
using System.Text.Json;
using ClusterKit.Manager.Registry.Http;
using ClusterKit.Manager.Registry.Names;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClusterKit.Manager.Tests.Registry.Http;

/// <summary>The registry's endpoints in process (TestHost), over blobs in a data directory the caller owns.</summary>
internal sealed class RegistryTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RegistryTestServer(WebApplication app)
    {
        _app = app;
        Client = app.GetTestClient();
    }

    public HttpClient Client { get; }

    public TestAccess Access => _app.Services.GetRequiredService<TestAccess>();

    /// <summary>One of the server's services (its metadata, its blob store), to check what a request left behind.</summary>
    public T Service<T>()
        where T : notnull => _app.Services.GetRequiredService<T>();

    /// <summary>
    /// Sends a request whose path reaches the server as given: HttpClient's Uri would fold <c>..</c> segments away
    /// before a real server ever saw them, and this checks what the registry does when one arrives anyway.
    /// </summary>
    public Task<HttpContext> SendRawAsync(string method, string path) =>
        _app.GetTestServer().SendAsync(context =>
        {
            context.Request.Method = method;
            context.Request.Path = path;
        });

    /// <param name="services">Registers what replaces the registry's own services (a fault to inject), before them.</param>
    public static async Task<RegistryTestServer> StartAsync(string dataRoot, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddRouting();
        services?.Invoke(builder.Services);
        builder.Services.AddClusterKitRegistry(dataRoot);
        builder.Services.AddSingleton<TestAccess>();
        builder.Services.AddSingleton<IRegistryAccess>(s => s.GetRequiredService<TestAccess>());
        var app = builder.Build();
        RegistryEndpoints.Map(app);
        await app.StartAsync();
        return new RegistryTestServer(app);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Everything allowed unless a test sets <see cref="Decide"/>; records what was asked.</summary>
    internal sealed class TestAccess : IRegistryAccess
    {
        public Func<RegistryAction, RepositoryName?, RegistryAccessDecision> Decide { get; set; } = (_, _) => RegistryAccessDecision.Allowed;

        public List<string> Asked { get; } = [];

        public ValueTask<RegistryAccessDecision> DecideAsync(HttpContext context, RegistryAction action, RepositoryName? repository, CancellationToken cancellationToken)
        {
            lock (Asked)
            {
                Asked.Add($"{action} {repository?.Value ?? "*"}");
            }

            return ValueTask.FromResult(Decide(action, repository));
        }
    }
}

/// <summary>Small helpers for reading registry responses.</summary>
internal static class RegistryResponsesForTests
{
    public static string Header(this HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values)
        : response.Content.Headers.TryGetValues(name, out var contentValues) ? string.Join(",", contentValues)
        : throw new Xunit.Sdk.XunitException($"the response has no {name} header");

    public static bool HasHeader(this HttpResponseMessage response, string name) =>
        response.Headers.Contains(name) || response.Content.Headers.Contains(name);

    /// <summary>The single error of a spec error body: (code, message, detail as raw JSON).</summary>
    public static async Task<(string Code, string Message, string Detail)> ErrorAsync(this HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
        var error = Assert.Single(json.RootElement.GetProperty("errors").EnumerateArray().ToList());
        return (error.GetProperty("code").GetString()!, error.GetProperty("message").GetString()!, error.GetProperty("detail").GetRawText());
    }

    public static ByteArrayContent Bytes(byte[] content, string? contentType = null)
    {
        var body = new ByteArrayContent(content);
        if (contentType is not null)
        {
            body.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        return body;
    }
}
