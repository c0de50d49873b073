using ClusterKit.Manager.Registry.Names;

namespace ClusterKit.Manager.Registry.Replication;

/// <summary>A manager's copy of a blob, as the store records it.</summary>
public sealed record BlobLocation(Digest Digest, string Member, long Size);

/// <summary>Which managers hold which blobs: written when this manager commits a blob, read to find a peer that has one.</summary>
public interface IBlobLocations
{
    /// <summary>Records that this manager holds the blob (again, refreshing the record, when it was recorded already).</summary>
    Task RecordLocalAsync(Digest digest, long size, CancellationToken cancellationToken);

    /// <summary>The managers other than this one that hold the blob.</summary>
    Task<IReadOnlyList<BlobLocation>> PeersHoldingAsync(Digest digest, CancellationToken cancellationToken);
}

/// <summary>One manager, no peers: nothing to record, nobody to ask.</summary>
public sealed class NoBlobLocations : IBlobLocations
{
    public Task RecordLocalAsync(Digest digest, long size, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<BlobLocation>> PeersHoldingAsync(Digest digest, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<BlobLocation>>([]);
}
