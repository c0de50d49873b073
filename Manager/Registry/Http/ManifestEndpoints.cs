using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Manifests;
using ClusterKit.Manager.Registry.Metadata;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Registry.Replication;
using ClusterKit.Manager.Registry.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace ClusterKit.Manager.Registry.Http;

/// <summary>
/// <c>/v2/NAME/manifests/REFERENCE</c> by tag or digest. A PUT is stored only when the manifest is valid, its
/// digest (when the URL names one) matches its bytes, and every blob and manifest it references is already in
/// the repository; its bytes are then stored as a blob (<see cref="ManifestBytes"/>) and its metadata put, and the
/// 201 waits until its bytes and everything it references are held by enough managers to survive the loss of one
/// (<see cref="IBlobDurability"/>; 503 UNAVAILABLE when that takes longer than the acknowledgement timeout). A GET
/// returns the stored bytes with their stored media type, whatever the Accept header asks: the registry converts
/// nothing, and clients check the type they get.
/// </summary>
internal sealed class ManifestEndpoints(
    IBlobSource blobs,
    ManifestBytes manifestBytes,
    IRegistryMetadata metadata,
    IBlobDurability durability,
    RegistryAuthorizer authorizer,
    ILogger<ManifestEndpoints> logger)
{
    public async Task GetAsync(HttpContext context, RepositoryName repository, string referenceText)
    {
        await authorizer.RequireAsync(context, RegistryAction.Read, repository).ConfigureAwait(false);
        var reference = ManifestReference.Parse(referenceText);
        var manifest = await FindAsync(repository, reference, context.RequestAborted).ConfigureAwait(false);
        var isHead = HttpMethods.IsHead(context.Request.Method);
        var content = isHead ? null : await manifestBytes.ReadAsync(manifest, context.RequestAborted).ConfigureAwait(false);
        if (isHead ? !await manifestBytes.ExistAsync(manifest, context.RequestAborted).ConfigureAwait(false) : content is null)
        {
            throw new RegistryException(
                RegistryErrorCode.ManifestUnknown,
                $"manifest {reference} of repository {repository} is known but no manager holds its bytes yet; retry",
                new Dictionary<string, string> { ["reference"] = reference.ToString() });
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = manifest.MediaType;
        response.ContentLength = manifest.Size;
        response.Headers[RegistryHeaders.ContentDigest] = manifest.Digest.ToString();
        response.Headers[HeaderNames.ETag] = $"\"{manifest.Digest}\"";
        if (content is not null)
        {
            await response.Body.WriteAsync(content, context.RequestAborted).ConfigureAwait(false);
        }
    }

    public async Task PutAsync(HttpContext context, RepositoryName repository, string referenceText)
    {
        await authorizer.RequireAsync(context, RegistryAction.Push, repository).ConfigureAwait(false);
        var reference = ManifestReference.Parse(referenceText);
        var content = await ReadBodyAsync(context).ConfigureAwait(false);
        var parsed = ManifestParser.Parse(content, context.Request.ContentType);
        var digest = parsed.Digest;
        if (reference.Digest is { } named)
        {
            var actual = named.Recompute(content);
            digest = actual == named
                ? named
                : throw new RegistryException(RegistryErrorCode.DigestInvalid, $"the manifest's digest is {actual}, not {named} as the URL says");
        }

        await CheckReferencesAsync(repository, parsed, context.RequestAborted).ConfigureAwait(false);

        // Bytes first, committed and located; the metadata after, so that no manifest is known whose bytes exist nowhere.
        await manifestBytes.StoreAsync(digest, content, context.RequestAborted).ConfigureAwait(false);
        var stored = parsed.ToStored(digest, content.Length);
        await metadata.PutManifestAsync(repository, stored, reference.Tag, context.RequestAborted).ConfigureAwait(false);
        RegistryLog.ManifestStored(logger, repository.Value, digest.ToString(), parsed.MediaType, reference.ToString());
        await RequireDurableAsync(digest, parsed, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers[HeaderNames.Location] = $"/v2/{repository}/manifests/{digest}";
        context.Response.Headers[RegistryHeaders.ContentDigest] = digest.ToString();
        context.Response.ContentLength = 0;
    }

    public async Task DeleteAsync(HttpContext context, RepositoryName repository, string referenceText)
    {
        await authorizer.RequireAsync(context, RegistryAction.Delete, repository).ConfigureAwait(false);
        var reference = ManifestReference.Parse(referenceText);
        var deleted = reference.Tag is { } tag
            ? await metadata.DeleteTagAsync(repository, tag, context.RequestAborted).ConfigureAwait(false)
            : await metadata.DeleteManifestAsync(repository, reference.Digest!, context.RequestAborted).ConfigureAwait(false);
        if (!deleted)
        {
            throw Unknown(repository, reference);
        }

        RegistryResponses.Accepted(context);
    }

    private async Task<StoredManifest> FindAsync(RepositoryName repository, ManifestReference reference, CancellationToken cancellationToken)
    {
        var digest = reference.Digest ?? await metadata.ResolveTagAsync(repository, reference.Tag!, cancellationToken).ConfigureAwait(false);
        var manifest = digest is null ? null : await metadata.GetManifestAsync(repository, digest, cancellationToken).ConfigureAwait(false);
        return manifest ?? throw Unknown(repository, reference);
    }

    /// <summary>
    /// Acknowledges only what survives the loss of any one manager: the manifest's bytes and every blob and child
    /// manifest it references (an index's children were acknowledged when they were put, so they are normally durable
    /// already). The manifest stays stored either way; a refusal only tells the client that it is not safe yet.
    /// </summary>
    private async Task RequireDurableAsync(Digest digest, ParsedManifest manifest, CancellationToken cancellationToken)
    {
        Digest[] needed = [digest, .. manifest.References.Where(r => r.MustExist).Select(r => r.Digest)];
        var shortfalls = await durability.WaitAsync(needed, cancellationToken).ConfigureAwait(false);
        if (shortfalls.Count > 0)
        {
            throw new RegistryException(
                RegistryErrorCode.Unavailable,
                $"manifest {digest} is stored but not yet on enough managers to survive the loss of one: {DurableCopies.Describe(shortfalls)}; the managers keep copying, put it again later",
                shortfalls.Select(s => new Dictionary<string, object> { ["digest"] = s.Digest.ToString(), ["copies"] = s.Held, ["needed"] = s.Needed }).ToArray());
        }
    }

    /// <summary>Every descriptor that must exist does, in this repository, with the size the manifest says.</summary>
    private async Task CheckReferencesAsync(RepositoryName repository, ParsedManifest manifest, CancellationToken cancellationToken)
    {
        foreach (var reference in manifest.References.Where(r => r.MustExist))
        {
            long? size;
            if (reference.Kind == ReferenceKind.Blob)
            {
                size = await metadata.HasBlobAsync(repository, reference.Digest, cancellationToken).ConfigureAwait(false)
                    ? await blobs.GetSizeAsync(reference.Digest, cancellationToken).ConfigureAwait(false)
                    : null;
            }
            else
            {
                size = (await metadata.GetManifestAsync(repository, reference.Digest, cancellationToken).ConfigureAwait(false))?.Size;
            }

            if (size is null)
            {
                var what = reference.Kind == ReferenceKind.Blob ? "blob" : "manifest";
                throw new RegistryException(
                    RegistryErrorCode.ManifestBlobUnknown,
                    $"{reference.Field} references {what} {reference.Digest}, which is not in repository {repository}; push it first",
                    new Dictionary<string, string> { ["digest"] = reference.Digest.ToString() });
            }

            if (size != reference.Size)
            {
                throw new RegistryException(
                    RegistryErrorCode.ManifestInvalid,
                    $"{reference.Field}.size is {reference.Size} but {reference.Digest} is {size} bytes");
            }
        }
    }

    /// <summary>The body, refused as MANIFEST_INVALID as soon as it is known to pass the size limit.</summary>
    private static async Task<byte[]> ReadBodyAsync(HttpContext context)
    {
        if (context.Request.ContentLength > ManifestParser.MaxBytes)
        {
            throw TooLarge(context.Request.ContentLength.Value);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > ManifestParser.MaxBytes)
            {
                throw TooLarge(null);
            }
        }

        return buffer.ToArray();
    }

    private static RegistryException TooLarge(long? length) =>
        new(RegistryErrorCode.ManifestInvalid, length is null
            ? $"the manifest is larger than the limit of {ManifestParser.MaxBytes} bytes (4 MiB)"
            : $"the manifest is {length} bytes; the limit is {ManifestParser.MaxBytes} bytes (4 MiB)");

    private static RegistryException Unknown(RepositoryName repository, ManifestReference reference) =>
        new(RegistryErrorCode.ManifestUnknown, $"manifest {reference} is not in repository {repository}", new Dictionary<string, string> { ["reference"] = reference.ToString() });
}
