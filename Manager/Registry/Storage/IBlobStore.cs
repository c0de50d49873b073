using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Registry.Uploads;

namespace ClusterKit.Manager.Registry.Storage;

/// <summary>An upload in progress: who started it (the repository it is for) and how many bytes it holds.</summary>
public sealed record UploadStatus(string Id, string Owner, long Offset);

/// <summary>A committed blob on this store's disk and when it was committed (its file's last write).</summary>
public sealed record StoredBlob(Digest Digest, long Size, DateTimeOffset CommittedAt);

/// <summary>
/// Blob bytes, content-addressed, and the uploads that make them. A blob becomes readable only once its bytes
/// hashed to its digest; until then they are an upload, which survives a restart (its offset is what it holds).
/// </summary>
public interface IBlobStore
{
    /// <summary>The size of a stored blob, or null when the store does not hold it.</summary>
    ValueTask<long?> GetSizeAsync(Digest digest, CancellationToken cancellationToken);

    /// <summary>Opens a stored blob for reading (seekable), or null when the store does not hold it.</summary>
    Stream? OpenRead(Digest digest);

    /// <summary>Every committed blob (files whose names are not a digest are skipped): the sweep of garbage collection.</summary>
    IEnumerable<StoredBlob> ListBlobs();

    /// <summary>Removes a blob's bytes; false when there were none.</summary>
    ValueTask<bool> DeleteAsync(Digest digest, CancellationToken cancellationToken);

    /// <param name="owner">What the upload is for (the repository); handed back by <see cref="GetUploadAsync"/>.</param>
    Task<UploadStatus> StartUploadAsync(string owner, CancellationToken cancellationToken);

    /// <summary>The upload's state, or null when there is no such upload (ids are never trusted as paths).</summary>
    Task<UploadStatus?> GetUploadAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Appends a chunk. With <paramref name="range"/> the chunk must start at the upload's offset (else
    /// RANGE_INVALID); with <paramref name="contentLength"/> it must deliver that many bytes. A chunk that fails
    /// or falls short is taken back whole, so the offset is always the end of the last complete chunk.
    /// </summary>
    Task<UploadStatus> AppendAsync(string id, Stream content, ContentRange? range, long? contentLength, CancellationToken cancellationToken);

    /// <summary>
    /// Finishes an upload: its bytes must hash to <paramref name="digest"/> and, when given, count
    /// <paramref name="size"/>; then they become the blob. On a mismatch the upload is deleted and the store
    /// throws DIGEST_INVALID or SIZE_INVALID. Returns the blob's size.
    /// </summary>
    Task<long> CompleteUploadAsync(string id, Digest digest, long? size, CancellationToken cancellationToken);

    /// <summary>Deletes an upload; false when there was none.</summary>
    Task<bool> CancelUploadAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes uploads that received no bytes since <paramref name="idleSince"/> (clients that went away), skipping
    /// any upload a request is writing to now. Returns the ids deleted.
    /// </summary>
    Task<IReadOnlyList<string>> PurgeIdleUploadsAsync(DateTimeOffset idleSince, CancellationToken cancellationToken);
}
