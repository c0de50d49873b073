using System.Collections.Concurrent;
using ClusterKit.Manager.Host.Membership;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Manager.Registry.Replication;
using ClusterKit.Proto.Manager.V1;
using Grpc.Net.Client;

namespace ClusterKit.Manager.Host.Registry;

/// <summary>Fetches a blob from another manager over the managers' mutual-TLS channel (<c>RegistryPeer.FetchBlob</c>).</summary>
internal sealed class GrpcBlobPeerFetcher(StoreManagerMembership membership, ManagerTlsSlot tlsSlot) : IBlobPeerFetcher, IDisposable
{
    private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);

    public Task<Stream> OpenAsync(string member, Digest digest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(digest);
        var api = membership.ApiAddressOf(member) ?? throw new IOException($"manager {member} publishes no API address");
        var tls = tlsSlot.Current ?? throw new InvalidOperationException(RaftMemberSlot.NotJoinedMessage);
        var channel = _channels.GetOrAdd(api, tls.ManagerChannel);
        var call = new RegistryPeer.RegistryPeerClient(channel).FetchBlob(new FetchBlobRequest { Digest = digest.ToString() }, cancellationToken: cancellationToken);
        return Task.FromResult<Stream>(new BlobChunkStream(call));
    }

    public void Dispose()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }

        _channels.Clear();
    }
}
