using System.Text.Json;
using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Registry.Storage;
using ClusterKit.Manager.Registry.Uploads;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace ClusterKit.Manager.Registry.Http;

/// <summary>How the endpoints answer: error bodies, small JSON documents, upload and blob locations.</summary>
internal static class RegistryResponses
{
    public static async Task WriteErrorAsync(HttpContext context, RegistryException error)
    {
        var response = context.Response;
        response.StatusCode = error.HttpStatus;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        var body = RegistryErrorBody.Write(error);
        response.ContentType = RegistryErrorBody.ContentType;
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    public static async Task WriteJsonAsync(HttpContext context, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            write(json);
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = buffer.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>202/204 for an upload in progress: where to send the next chunk and what the registry holds.</summary>
    public static void UploadInProgress(HttpContext context, RepositoryName repository, UploadStatus upload, int status)
    {
        var headers = context.Response.Headers;
        context.Response.StatusCode = status;
        headers[HeaderNames.Location] = $"/v2/{repository}/blobs/uploads/{upload.Id}";
        headers[HeaderNames.Range] = ContentRange.UploadedRange(upload.Offset);
        headers[RegistryHeaders.UploadUuid] = upload.Id;
        context.Response.ContentLength = 0;
    }

    /// <summary>201 for a blob now in the repository.</summary>
    public static void BlobCreated(HttpContext context, RepositoryName repository, Digest digest)
    {
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers[HeaderNames.Location] = $"/v2/{repository}/blobs/{digest}";
        context.Response.Headers[RegistryHeaders.ContentDigest] = digest.ToString();
        context.Response.ContentLength = 0;
    }

    public static void Accepted(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.ContentLength = 0;
    }
}
