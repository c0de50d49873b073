using ClusterKit.Manager.Registry.Names;

namespace ClusterKit.Manager.Registry.Storage;

/// <summary>
/// Where the endpoints read blob bytes: this manager's store, and (in a cluster) the other managers that hold a blob
/// this one lacks (<see cref="Replication.ReadThroughBlobSource"/>). Callers check the repository's link first.
/// </summary>
public interface IBlobSource
{
    /// <summary>The blob's size when this manager holds it or can fetch it; null otherwise.</summary>
    ValueTask<long?> GetSizeAsync(Digest digest, CancellationToken cancellationToken);

    /// <summary>Opens the blob for reading (seekable), fetching a verified copy first when only another manager holds it.</summary>
    Task<Stream?> OpenReadAsync(Digest digest, CancellationToken cancellationToken);
}

/// <summary>Blobs from this manager's store only (one manager, tests).</summary>
public sealed class LocalBlobSource(IBlobStore blobs) : IBlobSource
{
    public ValueTask<long?> GetSizeAsync(Digest digest, CancellationToken cancellationToken) => blobs.GetSizeAsync(digest, cancellationToken);

    public Task<Stream?> OpenReadAsync(Digest digest, CancellationToken cancellationToken) => Task.FromResult(blobs.OpenRead(digest));
}
