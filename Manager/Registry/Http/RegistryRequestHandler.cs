using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Store.Raft;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ClusterKit.Manager.Registry.Http;

/// <summary>
/// Routes a <c>/v2/</c> request by its parsed path and method to the endpoint class that serves it, and turns
/// any <see cref="RegistryException"/> into the spec's error response (and a store without a leader, during a failover,
/// into 503 UNAVAILABLE, which clients retry). Every response carries
/// <c>Docker-Distribution-API-Version: registry/2.0</c>.
/// </summary>
internal sealed class RegistryRequestHandler(
    BlobEndpoints blobs,
    UploadEndpoints uploads,
    ManifestEndpoints manifests,
    ListingEndpoints listings,
    RegistryAuthorizer authorizer,
    ILogger<RegistryRequestHandler> logger)
{
    public async Task HandleAsync(HttpContext context, string? rest)
    {
        context.Response.Headers[RegistryHeaders.ApiVersion] = RegistryHeaders.ApiVersionValue;
        try
        {
            await DispatchAsync(context, RegistryRoute.Parse(rest)).ConfigureAwait(false);
        }
        catch (RegistryException error) when (!context.Response.HasStarted)
        {
            await RefuseAsync(context, error).ConfigureAwait(false);
        }
        catch (BadHttpRequestException error) when (!context.Response.HasStarted)
        {
            // A body that broke off or broke the server's limits; whatever it delivered was taken back.
            await RefuseAsync(context, new RegistryException(RegistryErrorCode.BlobUploadInvalid, $"the request body could not be read: {error.Message}")).ConfigureAwait(false);
        }
        catch (LeaderUnavailableException error) when (!context.Response.HasStarted)
        {
            // A manager died and the others are electing a leader: what this request stored so far, the client can redo.
            await RefuseAsync(context, new RegistryException(RegistryErrorCode.Unavailable, $"the cluster's store has no leader just now; retry: {error.Message}")).ConfigureAwait(false);
        }
    }

    private async Task RefuseAsync(HttpContext context, RegistryException error)
    {
        RegistryLog.Refused(logger, context.Request.Method, context.Request.Path, error.Code.WireName(), error.Message);
        await RegistryResponses.WriteErrorAsync(context, error).ConfigureAwait(false);
    }

    private Task DispatchAsync(HttpContext context, RegistryRoute route)
    {
        var method = context.Request.Method;
        var name = route.Name!;
        var reference = route.Reference!;
        return (route.Kind, method) switch
        {
            (RegistryRouteKind.Base, "GET" or "HEAD") => BaseAsync(context),
            (RegistryRouteKind.Catalog, "GET" or "HEAD") => listings.CatalogAsync(context),
            (RegistryRouteKind.Tags, "GET" or "HEAD") => listings.TagsAsync(context, name),
            (RegistryRouteKind.Manifest, "GET" or "HEAD") => manifests.GetAsync(context, name, reference),
            (RegistryRouteKind.Manifest, "PUT") => manifests.PutAsync(context, name, reference),
            (RegistryRouteKind.Manifest, "DELETE") => manifests.DeleteAsync(context, name, reference),
            (RegistryRouteKind.Blob, "GET" or "HEAD") => blobs.GetAsync(context, name, reference),
            (RegistryRouteKind.Blob, "DELETE") => blobs.DeleteAsync(context, name, reference),
            (RegistryRouteKind.UploadStart, "POST") => uploads.StartAsync(context, name),
            (RegistryRouteKind.Upload, "GET") => uploads.StatusAsync(context, name, reference),
            (RegistryRouteKind.Upload, "PATCH") => uploads.PatchAsync(context, name, reference),
            (RegistryRouteKind.Upload, "PUT") => uploads.FinishAsync(context, name, reference),
            (RegistryRouteKind.Upload, "DELETE") => uploads.CancelAsync(context, name, reference),
            (RegistryRouteKind.Unknown, _) => NotFound(context),
            _ => throw new RegistryException(RegistryErrorCode.Unsupported, $"{method} is not supported on {context.Request.Path}"),
        };
    }

    private async Task BaseAsync(HttpContext context)
    {
        await authorizer.RequireAsync(context, RegistryAction.Read, null).ConfigureAwait(false);
        await RegistryResponses.WriteJsonAsync(context, json =>
        {
            json.WriteStartObject();
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static Task NotFound(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        context.Response.ContentLength = 0;
        return Task.CompletedTask;
    }
}
