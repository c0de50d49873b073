using ClusterKit.Manager.Registry.Names;

namespace ClusterKit.Manager.Registry.Replication;

/// <summary>
/// Streams a blob's bytes from another manager (in ck-manager: the managers' mutual-TLS gRPC channel). The bytes are
/// not trusted: whoever reads them verifies the digest before committing (<see cref="PeerBlobCopier"/>).
/// </summary>
public interface IBlobPeerFetcher
{
    /// <summary>Opens the blob on <paramref name="member"/>; throws when the peer cannot be reached or lacks it.</summary>
    Task<Stream> OpenAsync(string member, Digest digest, CancellationToken cancellationToken);
}
