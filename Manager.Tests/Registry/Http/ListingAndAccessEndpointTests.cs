using System.Net;
using System.Text;
using ClusterKit.Manager.Registry.Http;
using ClusterKit.Shared.Images;
using Microsoft.Extensions.DependencyInjection;

namespace ClusterKit.Manager.Tests.Registry.Http;

public sealed class ListingAndAccessEndpointTests : RegistryEndpointTestBase
{
    private static readonly byte[] Config = Encoding.ASCII.GetBytes("{}");

    [Fact]
    public async Task Tags_list_in_pages_with_a_Link_to_the_next()
    {
        foreach (var tag in new[] { "v3", "v1", "latest", "v2" })
        {
            await TagAsync("team/app", tag);
        }

        using var all = await Client.GetAsync("/v2/team/app/tags/list");
        using var first = await Client.GetAsync("/v2/team/app/tags/list?n=2");
        var next = first.Header("Link");
        using var second = await Client.GetAsync(next[1..next.IndexOf('>', StringComparison.Ordinal)]);

        Assert.Equal("""{"name":"team/app","tags":["latest","v1","v2","v3"]}""", await all.Content.ReadAsStringAsync());
        Assert.False(all.HasHeader("Link"));
        Assert.Equal("""{"name":"team/app","tags":["latest","v1"]}""", await first.Content.ReadAsStringAsync());
        Assert.Equal("</v2/team/app/tags/list?n=2&last=v1>; rel=\"next\"", next);
        Assert.Equal("""{"name":"team/app","tags":["v2","v3"]}""", await second.Content.ReadAsStringAsync());
        Assert.False(second.HasHeader("Link"));
    }

    [Fact]
    public async Task Tags_of_an_unknown_repository_are_NAME_UNKNOWN_and_a_bad_n_is_refused()
    {
        await TagAsync("app", "v1");

        using var unknown = await Client.GetAsync("/v2/nothing/here/tags/list");
        using var badN = await Client.GetAsync("/v2/app/tags/list?n=-1");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var (code, message, _) = await unknown.ErrorAsync();
        Assert.Equal("NAME_UNKNOWN", code);
        Assert.Equal("repository nothing/here is not in the registry", message);
        Assert.Equal(HttpStatusCode.BadRequest, badN.StatusCode);
        Assert.Equal("PAGINATION_NUMBER_INVALID", (await badN.ErrorAsync()).Code);
    }

    [Fact]
    public async Task The_catalog_lists_repositories_in_pages()
    {
        foreach (var repository in new[] { "c", "a/b", "a" })
        {
            await TagAsync(repository, "v1");
        }

        using var all = await Client.GetAsync("/v2/_catalog");
        using var first = await Client.GetAsync("/v2/_catalog?n=2");
        using var rest = await Client.GetAsync("/v2/_catalog?n=2&last=a%2Fb");

        Assert.Equal("""{"repositories":["a","a/b","c"]}""", await all.Content.ReadAsStringAsync());
        Assert.Equal("""{"repositories":["a","a/b"]}""", await first.Content.ReadAsStringAsync());
        Assert.Equal("</v2/_catalog?n=2&last=a%2Fb>; rel=\"next\"", first.Header("Link"));
        Assert.Equal("""{"repositories":["c"]}""", await rest.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/v2/Upper/tags/list")]
    [InlineData("/v2/a%2F..%2Fb/tags/list")]
    [InlineData("/v2/a//b/manifests/latest")]
    [InlineData("/v2/-a/blobs/sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    public async Task Names_that_break_the_grammar_are_NAME_INVALID_and_touch_nothing(string path)
    {
        using var get = await Client.GetAsync(path);
        using var post = await Client.PostAsync(path, null);

        Assert.Equal(HttpStatusCode.BadRequest, get.StatusCode);
        Assert.Equal("NAME_INVALID", (await get.ErrorAsync()).Code);
        Assert.Equal("NAME_INVALID", (await post.ErrorAsync()).Code);
        Assert.Empty(RegistryDisk.Entries(Data.Combine("uploads")));
    }

    [Theory]
    [InlineData("POST", "/v2/../etc/blobs/uploads/")]
    [InlineData("GET", "/v2/a/../../manifests/latest")]
    [InlineData("PUT", "/v2/a/./b/manifests/latest")]
    [InlineData("GET", "/v2/../../../../etc/passwd/blobs/sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    public async Task Dot_segments_that_reach_the_server_are_NAME_INVALID(string method, string path)
    {
        var context = await Server.SendRawAsync(method, path);

        Assert.Equal(400, context.Response.StatusCode);
        using var reader = new StreamReader(context.Response.Body);
        Assert.Contains("\"code\":\"NAME_INVALID\"", await reader.ReadToEndAsync(), StringComparison.Ordinal);
        Assert.Empty(RegistryDisk.Entries(Data.Combine("uploads")));
    }

    [Fact]
    public async Task A_name_over_255_characters_is_NAME_INVALID()
    {
        var name = string.Join('/', Enumerable.Repeat(new string('a', 100), 3));

        using var response = await Client.PostAsync($"/v2/{name}/blobs/uploads/", null);

        var (code, message, _) = await response.ErrorAsync();
        Assert.Equal("NAME_INVALID", code);
        Assert.Contains("the name is 302 characters; the limit is 255", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unsupported_method_is_405_UNSUPPORTED_and_an_unknown_path_404()
    {
        using var patchManifest = await Client.PatchAsync("/v2/app/manifests/v1", null);
        using var unknown = await Client.GetAsync("/v2/app/somewhere");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, patchManifest.StatusCode);
        Assert.Equal("UNSUPPORTED", (await patchManifest.ErrorAsync()).Code);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("registry/2.0", unknown.Header("Docker-Distribution-API-Version"));
    }

    [Fact]
    public async Task An_unauthenticated_request_is_401_with_the_challenge()
    {
        Server.Access.Decide = (_, _) => RegistryAccessDecision.Unauthorized("log in with ck registry login", "Bearer realm=\"https://m1/token\",service=\"clusterkit\"");

        using var response = await Client.GetAsync("/v2/");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer realm=\"https://m1/token\",service=\"clusterkit\"", response.Header("WWW-Authenticate"));
        var (code, message, _) = await response.ErrorAsync();
        Assert.Equal("UNAUTHORIZED", code);
        Assert.Equal("log in with ck registry login", message);
    }

    [Fact]
    public async Task Each_endpoint_asks_for_the_action_it_performs()
    {
        Server.Access.Decide = (action, _) => action == RegistryAction.Read ? RegistryAccessDecision.Allowed : RegistryAccessDecision.Denied("workers only read");

        using var push = await Client.PostAsync("/v2/app/blobs/uploads/", null);
        using var delete = await Client.DeleteAsync("/v2/app/manifests/v1");
        using var read = await Client.GetAsync("/v2/app/manifests/v1");
        using var catalog = await Client.GetAsync("/v2/_catalog");

        Assert.Equal(HttpStatusCode.Forbidden, push.StatusCode);
        Assert.Equal(("DENIED", "workers only read"), ((await push.ErrorAsync()).Code, (await push.ErrorAsync()).Message));
        Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal(HttpStatusCode.OK, catalog.StatusCode);
        Assert.Equal(["Push app", "Delete app", "Read app", "Read *"], Server.Access.Asked);
        Assert.Empty(RegistryDisk.Entries(Data.Combine("uploads")));
    }

    [Fact]
    public async Task A_mount_from_a_repository_the_client_may_not_read_uploads_instead()
    {
        var digest = await PushBlobAsync("secret", Config);
        Server.Access.Decide = (action, repository) => repository?.Value == "secret" ? RegistryAccessDecision.Denied("no") : RegistryAccessDecision.Allowed;

        using var mount = await Client.PostAsync($"/v2/app/blobs/uploads/?mount={digest}&from=secret", null);
        using var get = await Client.GetAsync($"/v2/app/blobs/{digest}");

        Assert.Equal(HttpStatusCode.Accepted, mount.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task Mapping_the_endpoints_without_an_access_decision_fails_at_start_up()
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        builder.Services.AddRouting();
        builder.Services.AddClusterKitRegistry(Data.Path);
        await using var app = builder.Build();

        var error = Assert.Throws<InvalidOperationException>(() => RegistryEndpoints.Map(app));

        Assert.StartsWith("the registry's services are missing", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(IRegistryAccess), error.Message, StringComparison.Ordinal);
    }

    private async Task TagAsync(string repository, string tag)
    {
        await PushBlobAsync(repository, Config);
        var manifest = TestManifests.Bytes(TestManifests.Image(Config));
        using var put = await Client.PutAsync($"/v2/{repository}/manifests/{tag}", RegistryResponsesForTests.Bytes(manifest, MediaTypes.OciManifest));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
    }
}
