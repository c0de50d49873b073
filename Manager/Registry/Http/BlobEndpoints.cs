using System.IO.Pipelines;
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
    private const int CopyChunkBytes = 256 * 1024;

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
            await CopyAsync(stream, response.BodyWriter, range?.Length ?? size!.Value, context.RequestAborted).ConfigureAwait(false);
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

    /// <summary>
    /// Reads the blob straight into the response's own buffers (no copy through a buffer of ours), in pieces large
    /// enough that each costs one read and one flush.
    /// </summary>
    private static async Task CopyAsync(Stream source, PipeWriter destination, long length, CancellationToken cancellationToken)
    {
        while (length > 0)
        {
            var memory = destination.GetMemory(CopyChunkBytes)[..(int)Math.Min(CopyChunkBytes, length)];

            // A blob file is read in place: .NET runs an asynchronous file read on another thread, and that hop cost
            // more than the read itself (the page cache serves a blob that was just written or read). A blob coming
            // from a peer is read asynchronously.
            var read = source is FileStream file ? file.Read(memory.Span) : await source.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("the blob file ended before its recorded size");
            }

            destination.Advance(read);
            length -= read;
            var flushed = await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (flushed.IsCompleted || flushed.IsCanceled)
            {
                return;
            }
        }
    }

    private static RegistryException Unknown(RepositoryName repository, Digest digest) =>
        new(RegistryErrorCode.BlobUnknown, $"blob {digest} is not in repository {repository}", new Dictionary<string, string> { ["digest"] = digest.ToString() });
}
