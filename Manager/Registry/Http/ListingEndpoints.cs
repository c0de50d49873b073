using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Metadata;
using ClusterKit.Manager.Registry.Names;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace ClusterKit.Manager.Registry.Http;

/// <summary>
/// <c>/v2/NAME/tags/list</c> and <c>/v2/_catalog</c>, paginated with <c>n</c> and <c>last</c>; when more
/// entries follow, a <c>Link: &lt;...&gt;; rel="next"</c> header gives the next page's URL.
/// </summary>
internal sealed class ListingEndpoints(IRegistryMetadata metadata, RegistryAuthorizer authorizer)
{
    public async Task TagsAsync(HttpContext context, RepositoryName repository)
    {
        await authorizer.RequireAsync(context, RegistryAction.Read, repository).ConfigureAwait(false);
        var (last, count) = PageQuery(context);
        var tags = await metadata.ListTagsAsync(repository, context.RequestAborted).ConfigureAwait(false)
            ?? throw new RegistryException(RegistryErrorCode.NameUnknown, $"repository {repository} is not in the registry", new Dictionary<string, string> { ["name"] = repository.Value });
        var page = Pagination.Take(tags, last, count);
        SetNextLink(context, $"/v2/{repository}/tags/list", page, count);
        await RegistryResponses.WriteJsonAsync(context, json =>
        {
            json.WriteStartObject();
            json.WriteString("name", repository.Value);
            json.WriteStartArray("tags");
            page.Items.ToList().ForEach(json.WriteStringValue);
            json.WriteEndArray();
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    public async Task CatalogAsync(HttpContext context)
    {
        await authorizer.RequireAsync(context, RegistryAction.Read, null).ConfigureAwait(false);
        var (last, count) = PageQuery(context);
        var repositories = await metadata.ListRepositoriesAsync(context.RequestAborted).ConfigureAwait(false);
        var page = Pagination.Take([.. repositories.Select(r => r.Value)], last, count);
        SetNextLink(context, "/v2/_catalog", page, count);
        await RegistryResponses.WriteJsonAsync(context, json =>
        {
            json.WriteStartObject();
            json.WriteStartArray("repositories");
            page.Items.ToList().ForEach(json.WriteStringValue);
            json.WriteEndArray();
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static (string? Last, int? Count) PageQuery(HttpContext context) =>
        ((string?)context.Request.Query["last"], Pagination.ParseCount(context.Request.Query["n"]));

    private static void SetNextLink(HttpContext context, string path, Page page, int? count)
    {
        if (page.HasMore)
        {
            var n = Math.Min(count ?? Pagination.MaxPageSize, Pagination.MaxPageSize);
            context.Response.Headers[HeaderNames.Link] = $"<{path}?n={n}&last={Uri.EscapeDataString(page.Items[^1])}>; rel=\"next\"";
        }
    }
}
