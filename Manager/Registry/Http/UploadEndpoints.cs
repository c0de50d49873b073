using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Metadata;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Registry.Replication;
using ClusterKit.Manager.Registry.Storage;
using ClusterKit.Manager.Registry.Uploads;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace ClusterKit.Manager.Registry.Http;

/// <summary>
/// <c>/v2/NAME/blobs/uploads/[UUID]</c>: POST starts an upload (or uploads in one request with <c>?digest=</c>, or
/// mounts a blob from another repository with <c>?mount=&amp;from=</c>); PATCH appends a chunk; PUT with
/// <c>?digest=</c> finishes it (with an optional last chunk); GET tells how far it is; DELETE cancels it.
/// An upload belongs to the repository that started it.
/// </summary>
internal sealed class UploadEndpoints(IBlobStore blobs, IBlobSource sources, IBlobLocations locations, IRegistryMetadata metadata, RegistryAuthorizer authorizer, ILogger<UploadEndpoints> logger)
{
    public async Task StartAsync(HttpContext context, RepositoryName repository)
    {
        await authorizer.RequireAsync(context, RegistryAction.Push, repository).ConfigureAwait(false);
        var query = context.Request.Query;
        if (query.ContainsKey("mount") && await TryMountAsync(context, repository, query["mount"], query["from"]).ConfigureAwait(false))
        {
            return;
        }

        var digestText = (string?)query["digest"];
        var digest = digestText is null ? null : Digest.Parse(digestText);
        var upload = await blobs.StartUploadAsync(repository.Value, context.RequestAborted).ConfigureAwait(false);
        if (digest is null)
        {
            RegistryResponses.UploadInProgress(context, repository, upload, StatusCodes.Status202Accepted);
            return;
        }

        var completed = false;
        try
        {
            AllowLargeBody(context);
            await blobs.AppendAsync(upload.Id, context.Request.Body, ContentRangeOf(context), context.Request.ContentLength, context.RequestAborted).ConfigureAwait(false);
            await CompleteAsync(context, repository, upload.Id, digest).ConfigureAwait(false);
            completed = true;
        }
        finally
        {
            if (!completed)
            {
                await blobs.CancelUploadAsync(upload.Id, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    public async Task StatusAsync(HttpContext context, RepositoryName repository, string id)
    {
        await authorizer.RequireAsync(context, RegistryAction.Push, repository).ConfigureAwait(false);
        var upload = await FindAsync(context, repository, id).ConfigureAwait(false);
        RegistryResponses.UploadInProgress(context, repository, upload, StatusCodes.Status204NoContent);
    }

    public async Task PatchAsync(HttpContext context, RepositoryName repository, string id)
    {
        await authorizer.RequireAsync(context, RegistryAction.Push, repository).ConfigureAwait(false);
        await FindAsync(context, repository, id).ConfigureAwait(false);
        AllowLargeBody(context);
        var upload = await blobs.AppendAsync(id, context.Request.Body, ContentRangeOf(context), context.Request.ContentLength, context.RequestAborted).ConfigureAwait(false);
        RegistryResponses.UploadInProgress(context, repository, upload, StatusCodes.Status202Accepted);
    }

    public async Task FinishAsync(HttpContext context, RepositoryName repository, string id)
    {
        await authorizer.RequireAsync(context, RegistryAction.Push, repository).ConfigureAwait(false);
        await FindAsync(context, repository, id).ConfigureAwait(false);
        var digestText = (string?)context.Request.Query["digest"]
            ?? throw new RegistryException(RegistryErrorCode.DigestInvalid, "the digest query parameter is missing; finish an upload with PUT ...?digest=sha256:...");
        var digest = Digest.Parse(digestText);
        AllowLargeBody(context);
        await blobs.AppendAsync(id, context.Request.Body, ContentRangeOf(context), context.Request.ContentLength, context.RequestAborted).ConfigureAwait(false);
        await CompleteAsync(context, repository, id, digest).ConfigureAwait(false);
    }

    public async Task CancelAsync(HttpContext context, RepositoryName repository, string id)
    {
        await authorizer.RequireAsync(context, RegistryAction.Push, repository).ConfigureAwait(false);
        await FindAsync(context, repository, id).ConfigureAwait(false);
        await blobs.CancelUploadAsync(id, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        context.Response.ContentLength = 0;
    }

    private async Task CompleteAsync(HttpContext context, RepositoryName repository, string id, Digest digest)
    {
        var size = await blobs.CompleteUploadAsync(id, digest, null, context.RequestAborted).ConfigureAwait(false);
        await locations.RecordLocalAsync(digest, size, context.RequestAborted).ConfigureAwait(false);
        await metadata.LinkBlobAsync(repository, digest, context.RequestAborted).ConfigureAwait(false);
        RegistryLog.BlobStored(logger, repository.Value, digest.ToString(), size);
        RegistryResponses.BlobCreated(context, repository, digest);
    }

    /// <summary>
    /// Links a blob that <paramref name="fromText"/> holds into <paramref name="repository"/> without moving bytes.
    /// When the blob is not there, or the client may not read the source, the caller starts an ordinary upload,
    /// as the spec says, and the client pushes the bytes.
    /// </summary>
    private async Task<bool> TryMountAsync(HttpContext context, RepositoryName repository, string? mountText, string? fromText)
    {
        var digest = Digest.Parse(mountText);
        if (fromText is null || !RepositoryName.TryParse(fromText, out var from, out _))
        {
            return false;
        }

        var readable = await authorizer.IsAllowedAsync(context, RegistryAction.Read, from).ConfigureAwait(false);
        if (!readable.IsAllowed
            || !await metadata.HasBlobAsync(from, digest, context.RequestAborted).ConfigureAwait(false)
            || await sources.GetSizeAsync(digest, context.RequestAborted).ConfigureAwait(false) is null)
        {
            return false;
        }

        await metadata.LinkBlobAsync(repository, digest, context.RequestAborted).ConfigureAwait(false);
        RegistryLog.BlobMounted(logger, repository.Value, digest.ToString(), from.Value);
        RegistryResponses.BlobCreated(context, repository, digest);
        return true;
    }

    private async Task<UploadStatus> FindAsync(HttpContext context, RepositoryName repository, string id)
    {
        var upload = await blobs.GetUploadAsync(id, context.RequestAborted).ConfigureAwait(false);
        return upload is not null && upload.Owner == repository.Value
            ? upload
            : throw new RegistryException(RegistryErrorCode.BlobUploadUnknown, $"upload '{id}' of repository {repository} is unknown: it finished, was cancelled, or never existed");
    }

    private static ContentRange? ContentRangeOf(HttpContext context) =>
        context.Request.Headers[HeaderNames.ContentRange] is { Count: > 0 } header ? ContentRange.Parse(header.ToString()) : null;

    /// <summary>Layers are often larger than the server's default request body limit; the disk is their limit.</summary>
    private static void AllowLargeBody(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }
    }
}
