using ClusterKit.Manager.Registry.Names;

namespace ClusterKit.Manager.Registry.Storage;

/// <summary>Commits a blob from a stream (a copy fetched from another manager) through the store's verified upload path.</summary>
public static class BlobImport
{
    /// <summary>What an import's upload says it is for (never a repository name, which has no spaces).</summary>
    public const string Owner = "peer copy";

    /// <summary>
    /// Writes <paramref name="content"/> as an upload and completes it: the bytes become the blob only if they hash to
    /// <paramref name="digest"/> and count <paramref name="size"/>, with the same atomic rename as a client's upload.
    /// Anything else (a corrupt or short copy, a broken stream) leaves no blob and no upload behind.
    /// </summary>
    /// <exception cref="Errors.RegistryException">DIGEST_INVALID or SIZE_INVALID: the bytes were not the blob.</exception>
    public static async Task<long> ImportAsync(this IBlobStore store, Digest digest, Stream content, long? size, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(digest);
        ArgumentNullException.ThrowIfNull(content);
        var upload = await store.StartUploadAsync(Owner, cancellationToken).ConfigureAwait(false);
        try
        {
            await store.AppendAsync(upload.Id, content, null, null, cancellationToken).ConfigureAwait(false);
            return await store.CompleteUploadAsync(upload.Id, digest, size, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await store.CancelUploadAsync(upload.Id, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }
}
