namespace ClusterKit.Worker.Images.Distribution;

/// <summary>How blobs are uploaded.</summary>
public sealed record UploadOptions
{
    /// <summary>Bytes per PATCH of a chunked upload; blobs up to this size go in one PUT.</summary>
    public int ChunkSize { get; init; } = 16 << 20;

    /// <summary>How often one blob's upload resumes after a broken connection or a registry error (5xx).</summary>
    public int MaxResumes { get; init; } = 3;
}

/// <summary>A blob of a local image to push: where its bytes are and which repository of the same registry may already hold it.</summary>
internal sealed record BlobToPush(string Digest, long Size, string MediaType, string Path, string? MountFrom);

/// <summary>
/// Uploads one blob: a cross-repository mount when a source is known, else one PUT for a small blob,
/// else PATCH chunks with Content-Range and a final PUT ?digest=. A chunk that fails for a transient
/// reason resumes at the offset the registry reports for the upload (GET on its location); an upload
/// the registry has lost starts again.
/// </summary>
internal sealed class BlobUploader(RegistryClient client, UploadOptions options)
{
    public async Task<BlobTransferState> UploadAsync(string repository, BlobToPush blob, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var session = await client.StartUploadAsync(repository, blob.Digest, blob.MountFrom, cancellationToken);
        if (session is null)
        {
            progress?.Report(blob.Size);
            return BlobTransferState.Mounted;
        }

        await using var file = new FileStream(blob.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        if (file.Length != blob.Size)
        {
            throw new ImageStoreException(ImageErrorKind.CorruptContent, $"blob {blob.Digest} in the image store has {file.Length} bytes, its descriptor {blob.Size}");
        }

        if (blob.Size <= options.ChunkSize)
        {
            var all = new byte[blob.Size];
            await file.ReadExactlyAsync(all, cancellationToken);
            await client.CompleteUploadAsync(session, blob.Digest, all, cancellationToken);
            progress?.Report(blob.Size);
            return BlobTransferState.Uploaded;
        }

        var buffer = new byte[options.ChunkSize];
        var resumes = 0;
        while (session.Offset < blob.Size)
        {
            var length = (int)Math.Min(options.ChunkSize, blob.Size - session.Offset);
            file.Position = session.Offset;
            await file.ReadExactlyAsync(buffer.AsMemory(0, length), cancellationToken);
            try
            {
                session = await client.UploadChunkAsync(session, buffer.AsMemory(0, length), blob.Digest, cancellationToken);
                progress?.Report(session.Offset);
            }
            catch (RegistryException error) when (error.IsTransient && resumes < options.MaxResumes)
            {
                resumes++;
                session = await ResumeAsync(repository, blob, session, cancellationToken);
                progress?.Report(session.Offset);
            }

            if (session.Offset > blob.Size)
            {
                throw new RegistryException($"registry {client.Registry}: the upload of digest {blob.Digest} to repository {repository} holds {session.Offset} bytes, more than the blob's {blob.Size}", null, []);
            }
        }

        await client.CompleteUploadAsync(session, blob.Digest, ReadOnlyMemory<byte>.Empty, cancellationToken);
        return BlobTransferState.Uploaded;
    }

    /// <summary>Where the registry stands on an interrupted upload; a new upload when it no longer knows this one.</summary>
    private async Task<UploadSession> ResumeAsync(string repository, BlobToPush blob, UploadSession session, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetUploadStatusAsync(session, cancellationToken);
        }
        catch (RegistryException error) when (error.IsNotFound)
        {
            return await client.StartUploadAsync(repository, blob.Digest, null, cancellationToken)
                ?? throw new InvalidOperationException("an upload without a mount source cannot end as a mount");
        }
    }
}
