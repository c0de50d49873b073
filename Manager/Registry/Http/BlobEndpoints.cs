using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Metadata;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Registry.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace ClusterKit.Manager.Registry.Http;

/// <summary><c>/v2/NAME/blobs/DIGEST</c>: HEAD, GET (one byte range at most) and DELETE of a repository's blob.</summary>
internal sealed class BlobEndpoints(IBlobSource blobs, IRegistryMetadata metadata, RegistryAuthorizer authorizer)
{
    public async Task GetAsync(HttpContext context, RepositoryName repository, string reference)
    {
        await authorizer.RequireAsync(context, RegistryAction.Read, repository).ConfigureAwait(false);
        var digest = Digest.Parse(reference);
        var size = await metadata.HasBlobAsync(repository, digest, context.RequestAborted).ConfigureAwait(false)
            ? await blobs.GetSizeAsync(digest, context.RequestAborted).ConfigureAwait(false)
            : null;
        var stream = size is null ? null : await blobs.OpenReadAsync(digest, context.RequestAborted).ConfigureAwait(false);
        if (stream is null)
        {
            throw Unknown(repository, digest);
        }

        await using (stream)
        {
            var response = context.Response;
            response.Headers[RegistryHeaders.ContentDigest] = digest.ToString();
            response.Headers[HeaderNames.ETag] = $"\"{digest}\"";
            response.Headers[HeaderNames.AcceptRanges] = "bytes";
            response.ContentType = RegistryHeaders.BlobContentType;
            var isHead = HttpMethods.IsHead(context.Request.Method);
            var range = isHead ? null : ParseRange(context, size!.Value);
            response.StatusCode = range is null ? StatusCodes.Status200OK : StatusCodes.Status206PartialContent;
            response.ContentLength = range?.Length ?? size;
            if (range is { } part)
            {
                response.Headers[HeaderNames.ContentRange] = part.ContentRange(size!.Value);
            }

            if (isHead)
            {
                return;
            }

            stream.Seek(range?.Start ?? 0, SeekOrigin.Begin);
            await CopyAsync(stream, response.Body, range?.Length ?? size!.Value, context.RequestAborted).ConfigureAwait(false);
        }
    }

    public async Task DeleteAsync(HttpContext context, RepositoryName repository, string reference)
    {
        await authorizer.RequireAsync(context, RegistryAction.Delete, repository).ConfigureAwait(false);
        var digest = Digest.Parse(reference);
        if (!await metadata.UnlinkBlobAsync(repository, digest, context.RequestAborted).ConfigureAwait(false))
        {
            throw Unknown(repository, digest);
        }

        RegistryResponses.Accepted(context);
    }

    private static ByteRange? ParseRange(HttpContext context, long size)
    {
        try
        {
            return ByteRange.Parse(context.Request.Headers.Range, size);
        }
        catch (RegistryException)
        {
            context.Response.Headers[HeaderNames.ContentRange] = $"bytes */{size}";
            throw;
        }
    }

    private static async Task CopyAsync(Stream source, Stream destination, long length, CancellationToken cancellationToken)
    {
        var buffer = new byte[(int)Math.Min(length, 1 << 20)];
        while (length > 0)
        {
            var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length)), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("the blob file ended before its recorded size");
            }

            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            length -= read;
        }
    }

    private static RegistryException Unknown(RepositoryName repository, Digest digest) =>
        new(RegistryErrorCode.BlobUnknown, $"blob {digest} is not in repository {repository}", new Dictionary<string, string> { ["digest"] = digest.ToString() });
}
