using ClusterKit.Manager.Registry.Names;

namespace ClusterKit.Manager.Registry.Replication;

/// <summary>Waits until pushed blobs are held by enough managers that losing any one of them loses none.</summary>
public interface IBlobDurability
{
    /// <summary>
    /// Returns once every blob is durable (an empty list), or, when the acknowledgement timeout ran out first, the
    /// blobs still short of copies. Throws <see cref="OperationCanceledException"/> when the caller cancels.
    /// </summary>
    Task<IReadOnlyList<BlobShortfall>> WaitAsync(IReadOnlyCollection<Digest> digests, CancellationToken cancellationToken);
}

/// <summary>One manager: its own committed copy is all there is, so every blob is as durable as it can be at once.</summary>
public sealed class NoBlobDurability : IBlobDurability
{
    public Task<IReadOnlyList<BlobShortfall>> WaitAsync(IReadOnlyCollection<Digest> digests, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<BlobShortfall>>([]);
}
