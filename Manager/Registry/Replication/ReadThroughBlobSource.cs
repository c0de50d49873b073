using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Registry.Storage;

namespace ClusterKit.Manager.Registry.Replication;

/// <summary>
/// Serves this manager's copy of a blob and, when it has none yet but the store says a peer does, fetches a verified
/// copy from a peer first (the replicator would bring it later; a client asking now should not wait for that).
/// </summary>
public sealed class ReadThroughBlobSource(IBlobStore blobs, IBlobLocations locations, PeerBlobCopier copier) : IBlobSource
{
    public async ValueTask<long?> GetSizeAsync(Digest digest, CancellationToken cancellationToken)
    {
        if (await blobs.GetSizeAsync(digest, cancellationToken).ConfigureAwait(false) is { } size)
        {
            return size;
        }

        var peers = await locations.PeersHoldingAsync(digest, cancellationToken).ConfigureAwait(false);
        return peers.Count == 0 ? null : peers[0].Size;
    }

    public async Task<Stream?> OpenReadAsync(Digest digest, CancellationToken cancellationToken)
    {
        if (blobs.OpenRead(digest) is { } local)
        {
            return local;
        }

        var peers = await locations.PeersHoldingAsync(digest, cancellationToken).ConfigureAwait(false);
        if (peers.Count == 0)
        {
            return null;
        }

        var copy = new BlobCopy(digest, peers[0].Size, [.. peers.Select(p => p.Member)]);
        return await copier.CopyAsync(copy, cancellationToken).ConfigureAwait(false) ? blobs.OpenRead(digest) : null;
    }
}
